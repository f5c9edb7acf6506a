//! The bot's own sentences (greetings, quiz feedback, notes), kept in
//! `dialogues/strings.toml` so admins can edit and translate them.
//!
//! The Rust code names a sentence by [`Msg`]; the file gives its text in every
//! language. `{name}` in a text is replaced by a value the engine supplies;
//! `check` verifies that every key and language is present and that no text
//! uses a placeholder its key does not provide.

use super::Text;

macro_rules! messages {
    ($($variant:ident => $key:literal [$($param:literal),*] $doc:literal;)*) => {
        /// A sentence of the bot's own, by its key in `strings.toml`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Msg {
            $(#[doc = $doc] $variant,)*
        }

        impl Msg {
            pub const ALL: &'static [Msg] = &[$(Msg::$variant,)*];

            /// The key of this sentence in `strings.toml`.
            pub fn key(self) -> &'static str {
                match self { $(Msg::$variant => $key,)* }
            }

            /// The placeholders its text may use.
            pub fn params(self) -> &'static [&'static str] {
                match self { $(Msg::$variant => &[$($param),*],)* }
            }

            /// What the sentence is for, shown to admins by `check`.
            pub fn purpose(self) -> &'static str {
                match self { $(Msg::$variant => $doc,)* }
            }
        }
    };
}

messages! {
    Welcome => "welcome" [] "the first greeting: who the bot is and what it can do";
    Help => "help" [] "the answer to /help";
    ButtonNext => "button_next" [] "the label of the button made from `next`";
    ButtonMenu => "button_menu" [] "the label of the button back to the main menu";
    ButtonLessons => "button_lessons" [] "the label of the button to the list of lessons";
    QuizRight => "quiz_right" [] "put before the explanation of a right answer";
    QuizWrong => "quiz_wrong" [] "put before the explanation of a wrong answer";
    QuizTryAgain => "quiz_try_again" [] "asks for another answer after a wrong one";
    ReflectionThanks => "reflection_thanks" [] "put before the reply to an answer of a reflection question (no right or wrong)";
    ButtonAgain => "button_again" [] "the button under a lesson step that sends the step again";
    ButtonBack => "button_back" [] "the button under a lesson step that goes back to the step before";
    ButtonSimpler => "button_simpler" [] "the button under a lesson step that has simpler words: sends them";
    StepProgress => "step_progress" ["n", "total"] "the first line of a lesson step: which step of how many";
    QuizChosen => "quiz_chosen" ["answer"] "added under a question once an answer is chosen";
    LessonDone => "lesson_done" ["title", "correct", "total"] "sent when a lesson is completed";
    LessonResume => "lesson_resume" ["title"] "sent when an unfinished lesson is opened again";
    StaleButton => "stale_button" [] "a button from an older message was pressed";
    StaleStep => "stale_step" ["title"] "the resident's step was removed from the files";
    StaleDialogue => "stale_dialogue" [] "the resident's dialogue was removed from the files";
    NotUnderstood => "not_understood" [] "free text the bot cannot use here";
    OtherInput => "other_input" [] "a sticker, photo, voice message or other non-text input";
    UnknownCommand => "unknown_command" [] "an unknown /command";
    Cancelled => "cancelled" [] "the answer to /cancel";
    ProgressHeader => "progress_header" ["done", "total"] "the first line of /progress";
    ProgressDone => "progress_done" ["title", "correct", "total"] "a completed lesson in /progress";
    ProgressStarted => "progress_started" ["title"] "a lesson in progress in /progress";
    ProgressNone => "progress_none" [] "/progress before any lesson was started";
    LanguageChoose => "language_choose" [] "asks which language to use";
    LanguageName => "language_name" [] "the name of this language, as its button label";
    LanguageSet => "language_set" [] "confirms the new language";
    ChatHint => "chat_hint" [] "printed once by `pomichnyk chat` at start";
    Privacy => "privacy" [] "the answer to /privacy: what is stored and why";
    DeleteConfirm => "delete_confirm" [] "asks to confirm /delete_me";
    ButtonDeleteYes => "button_delete_yes" [] "the button that confirms /delete_me";
    Deleted => "deleted" [] "sent after a resident's data was deleted";
    SlowDown => "slow_down" [] "sent once when a resident sends too many messages too fast";
    Failure => "failure" [] "sent when the bot could not save a step (the resident should try again)";
    CmdStart => "cmd_start" [] "the /start command's description in Telegram's command menu";
    CmdMenu => "cmd_menu" [] "the /menu command's description";
    CmdLessons => "cmd_lessons" [] "the /lessons command's description";
    CmdProgress => "cmd_progress" [] "the /progress command's description";
    CmdLanguage => "cmd_language" [] "the /language command's description";
    CmdHelp => "cmd_help" [] "the /help command's description";
    CmdCancel => "cmd_cancel" [] "the /cancel command's description";
    CmdPrivacy => "cmd_privacy" [] "the /privacy command's description";
    CmdDeleteMe => "cmd_delete_me" [] "the /delete_me command's description";
    CmdAsk => "cmd_ask" [] "the /ask command's description";
    CmdLibrarian => "cmd_librarian" [] "the /librarian command's description";
    TextOnly => "text_only" [] "a photo or sticker came while the bot waits for words for a librarian";
    AskPrompt => "ask_prompt" [] "the answer to /ask: type a question in your own words";
    FaqHelpful => "faq_helpful" [] "put under an FAQ answer, above the 👍 👎 buttons";
    ButtonHelpful => "button_helpful" [] "the 👍 button under an FAQ answer";
    ButtonUnhelpful => "button_unhelpful" [] "the 👎 button under an FAQ answer";
    FaqThanks => "faq_thanks" [] "after a 👍";
    FaqSorry => "faq_sorry" [] "after a 👎: offers the librarian";
    FaqChoices => "faq_choices" [] "a question the FAQ is unsure of: offers close questions as buttons";
    FaqNothing => "faq_nothing" [] "a question the FAQ cannot answer: offers lessons and the librarian";
    ButtonLibrarian => "button_librarian" [] "the button that leads to a librarian";
    ButtonBackToLesson => "button_back_to_lesson" [] "under an FAQ answer given in the middle of a lesson";
    LibrarianPrompt => "librarian_prompt" [] "asks for the question to pass to a librarian";
    LibrarianNone => "librarian_none" [] "no librarians' chat is set up: points to the hubs instead";
    TooLong => "too_long" ["max"] "a message for a librarian is longer than allowed";
    TicketOpened => "ticket_opened" ["ticket"] "the question went to the librarians";
    HandoffFailed => "handoff_failed" [] "the librarians' chat could not be reached";
    TicketPost => "ticket_post" ["ticket", "language", "text"] "a new ticket, posted in the librarians' chat";
    TicketFollowUp => "ticket_follow_up" ["ticket", "text"] "a resident's further message, posted in the librarians' chat";
    LibrarianSays => "librarian_says" ["ticket", "text"] "a librarian's answer, delivered to the resident";
    ButtonReply => "button_reply" [] "the button under a librarian's answer";
    ButtonCloseTicket => "button_close_ticket" [] "the button under a ticket in the librarians' chat";
    TicketReplyPrompt => "ticket_reply_prompt" [] "asks for the resident's answer to a librarian";
    TicketSent => "ticket_sent" ["ticket"] "the resident's answer went to the librarians";
    TicketClosed => "ticket_closed" ["ticket"] "tells the resident a librarian closed the ticket";
    TicketClosedGroup => "ticket_closed_group" ["ticket"] "in the librarians' chat: the ticket is closed";
    TicketNotOpen => "ticket_not_open" ["ticket"] "the resident answers in a ticket that is closed";
    TicketDelivered => "ticket_delivered" ["ticket"] "in the librarians' chat: the answer reached the resident";
    TicketUndelivered => "ticket_undelivered" ["ticket"] "in the librarians' chat: the resident has blocked the bot";
    TicketHowTo => "ticket_how_to" [] "in the librarians' chat: /close was sent without replying to a ticket";
    CmdHubs => "cmd_hubs" [] "the /hubs command's description";
    CmdSubscribe => "cmd_subscribe" [] "the /subscribe command's description";
    CmdUnsubscribe => "cmd_unsubscribe" [] "the /unsubscribe command's description";
    SubscribeChoose => "subscribe_choose" [] "the answer to /subscribe, above the toggles";
    TopicWebinars => "topic_webinars" [] "the topic of webinar announcements";
    TopicNews => "topic_news" [] "the topic of library news";
    ButtonSubscribeHub => "button_subscribe_hub" ["hub"] "the button that chooses the resident's hub";
    SubscribeAnyHub => "subscribe_any_hub" [] "no particular hub";
    SubscribeChooseHub => "subscribe_choose_hub" [] "above the list of hubs in /subscribe";
    ButtonDone => "button_done" [] "the button that closes /subscribe";
    Subscribed => "subscribed" ["topics"] "after /subscribe: what the resident will get";
    Unsubscribed => "unsubscribed" [] "after /unsubscribe or \"do not send any more\"";
    ButtonStopSending => "button_stop_sending" [] "the button under every announcement";
    AnnounceText => "announce_text" [] "for librarians: /announce asks for the text";
    AnnounceTopic => "announce_topic" [] "for librarians: what the announcement is about";
    AnnounceAudience => "announce_audience" [] "for librarians: who gets it";
    ButtonAudienceAll => "button_audience_all" [] "for librarians: every subscriber of the topic";
    ButtonAudienceHub => "button_audience_hub" [] "for librarians: one hub's subscribers";
    ButtonAudienceLanguage => "button_audience_language" [] "for librarians: subscribers of one language";
    ButtonAudienceDone => "button_audience_done" [] "for librarians: those who completed a lesson";
    ButtonAudienceNotDone => "button_audience_not_done" [] "for librarians: those who did not complete a lesson";
    AnnounceChooseHub => "announce_choose_hub" [] "for librarians: which hub";
    AnnounceChooseLanguage => "announce_choose_language" [] "for librarians: which language";
    AnnounceChooseLesson => "announce_choose_lesson" [] "for librarians: which lesson";
    AnnouncePreview => "announce_preview" ["count"] "for librarians: under the preview, how many will get it";
    AnnounceQuiet => "announce_quiet" ["at"] "for librarians: quiet hours now, it waits until then";
    ButtonSend => "button_send" [] "for librarians: send the announcement";
    ButtonSendUrgent => "button_send_urgent" [] "for librarians: send now despite quiet hours";
    ButtonCancel => "button_cancel" [] "for librarians: cancel the announcement";
    AnnounceQueued => "announce_queued" ["id", "count"] "for librarians: the announcement is being sent";
    AnnounceQueuedLater => "announce_queued_later" ["id", "count", "at"] "for librarians: it will go out after quiet hours";
    AnnounceCancelled => "announce_cancelled" [] "for librarians: the announcement was cancelled";
    AnnounceNobody => "announce_nobody" [] "for librarians: nobody would get it";
    BroadcastReport => "broadcast_report" ["id", "sent", "blocked", "skipped", "failed", "minutes"] "for librarians: the report when sending ends";
    BroadcastsNone => "broadcasts_none" [] "for librarians: /broadcasts with none yet";
    BroadcastLine => "broadcast_line" ["id", "sent", "total", "blocked", "failed", "pending"] "for librarians: one line of /broadcasts";
    RoleGranted => "role_granted" ["user", "role"] "for admins: a role was granted";
    RoleRevoked => "role_revoked" ["user", "role"] "for admins: a role was revoked";
    RoleUnchanged => "role_unchanged" ["user", "role"] "for admins: nothing changed";
    RoleUsage => "role_usage" [] "for admins: how to write /grant and /revoke";
    CmdWebinars => "cmd_webinars" [] "the /webinars command's description";
    CmdAnnounce => "cmd_announce" [] "the /announce command's description (librarians' /help)";
    CmdBroadcasts => "cmd_broadcasts" [] "the /broadcasts command's description (librarians' /help)";
    CmdWebinar => "cmd_webinar" [] "the /webinar command's description (librarians' /help)";
    CmdReload => "cmd_reload" [] "the /reload command's description (admins' /help)";
    CmdStats => "cmd_stats" [] "the /stats command's description (admins' /help)";
    CmdGrant => "cmd_grant" [] "the /grant command's description (admins' /help)";
    CmdRevoke => "cmd_revoke" [] "the /revoke command's description (admins' /help)";
    CmdClose => "cmd_close" [] "the /close command's description (the librarians' group)";
    HelpCommands => "help_commands" [] "the heading of the command list under /help";
    HelpStaff => "help_staff" [] "the heading of the librarians' and admins' commands under /help";
    WebinarsNone => "webinars_none" [] "/webinars when none is planned";
    WebinarCard => "webinar_card" ["title", "when", "place", "description"] "one upcoming webinar in /webinars";
    WebinarSeats => "webinar_seats" ["left"] "seats left at a webinar";
    WebinarGoing => "webinar_going" ["count"] "for librarians: how many signed up";
    ButtonRsvp => "button_rsvp" [] "the \"I will come\" button";
    ButtonUnrsvp => "button_unrsvp" [] "the button that withdraws an RSVP";
    RsvpAdded => "rsvp_added" ["title", "when"] "after \"I will come\"";
    RsvpAlready => "rsvp_already" [] "the resident had already signed up";
    RsvpFull => "rsvp_full" [] "no seats left";
    RsvpGone => "rsvp_gone" [] "the webinar was cancelled or is over";
    RsvpWithdrawn => "rsvp_withdrawn" [] "after withdrawing an RSVP";
    WebinarWhen => "webinar_when" ["date", "time"] "a webinar's date and time";
    PlaceOnline => "place_online" ["link"] "an online webinar's place";
    ReminderDay => "reminder_day" ["title", "when", "place"] "the reminder a day before";
    ReminderHour => "reminder_hour" ["title", "when", "place"] "the reminder an hour before";
    WebinarMovedNote => "webinar_moved_note" ["title", "when", "place"] "to those signed up: the webinar moved";
    WebinarCancelledNote => "webinar_cancelled_note" ["title", "when"] "to those signed up: the webinar is cancelled";
    WebinarAskTitle => "webinar_ask_title" [] "for librarians: /webinar asks for the title";
    WebinarAskDescription => "webinar_ask_description" [] "for librarians: the description";
    WebinarAskWhen => "webinar_ask_when" [] "for librarians: the date and time";
    WebinarAskPlace => "webinar_ask_place" [] "for librarians: which hub, or online";
    ButtonOnline => "button_online" [] "for librarians: the webinar is online";
    WebinarAskLink => "webinar_ask_link" [] "for librarians: the online link";
    WebinarAskCapacity => "webinar_ask_capacity" [] "for librarians: how many seats";
    ButtonNoLimit => "button_no_limit" [] "for librarians: no seat limit";
    WebinarNoLimit => "webinar_no_limit" [] "for librarians: no seat limit, in the preview";
    WebinarTryAgain => "webinar_try_again" [] "for librarians: the answer did not fit";
    WebinarPreview => "webinar_preview" ["title", "when", "place", "capacity"] "for librarians: the webinar before publishing";
    ButtonPublish => "button_publish" [] "for librarians: publish the webinar";
    WebinarPublished => "webinar_published" ["id", "count"] "for librarians: published and announced";
    WebinarMovePreview => "webinar_move_preview" ["title", "when"] "for librarians: confirm the new time";
    WebinarMovedDone => "webinar_moved_done" ["title", "when"] "for librarians: moved, those signed up are told";
    WebinarCancelledDone => "webinar_cancelled_done" ["title"] "for librarians: cancelled, those signed up are told";
    ButtonWebinarMove => "button_webinar_move" [] "for librarians: move a webinar";
    ButtonWebinarCancel => "button_webinar_cancel" [] "for librarians: cancel a webinar";
    WebinarAnnouncement => "webinar_announcement" ["title", "when", "place", "description"] "the announcement of a new webinar";
    FaqSeeLesson => "faq_see_lesson" ["title"] "the answer of an FAQ entry that points to a lesson instead of answering";
    ReloadDone => "reload_done" ["dialogues", "faq", "warnings"] "for admins: the new content is being served";
    ReloadStranded => "reload_stranded" ["count", "steps"] "for admins: residents stood on steps the new files removed";
    ReloadFailed => "reload_failed" ["count", "errors"] "for admins: the files have errors, the old content stays";
    ReloadMore => "reload_more" ["count"] "for admins: after the first errors, how many more there are";
    StatsCaption => "stats_caption" [] "for admins: the caption of the /stats chart";
    StatsLegendActive => "stats_legend_active" [] "for admins: the chart's line of active residents";
    StatsLegendCompleted => "stats_legend_completed" [] "for admins: the chart's line of lessons completed";
    StatsFailed => "stats_failed" [] "for admins: /stats could not read the figures";
    StatsSummary => "stats_summary" ["total", "new", "active_week", "active_month", "blocked", "completed"] "for admins: the figures at the top of /stats";
    StatsDocument => "stats_document" ["days"] "for admins: the caption of the full /stats report file";
    HubsAsk => "hubs_ask" [] "the answer to /hubs: share a location or name a settlement";
    ButtonShareLocation => "button_share_location" [] "the big button that shares the resident's location";
    HubsPick => "hubs_pick" [] "above the buttons with the settlements that have hubs";
    HubsNearest => "hubs_nearest" [] "above the nearest hubs to a shared location";
    HubsFound => "hubs_found" [] "above the hubs found by a settlement's name";
    HubsWithService => "hubs_with_service" ["service"] "above the hubs that offer a service asked for";
    HubsNotFound => "hubs_not_found" [] "no hub matches the name typed";
    HubsNoLocations => "hubs_no_locations" [] "a location was shared but no hub's place on the map is known yet";
    HubsSoonest => "hubs_soonest" [] "above the hub open now or opening soonest (when no librarian is in the chat)";
    HubsUnverified => "hubs_unverified" [] "under a list with hubs whose facts are not yet confirmed";
    HubAddress => "hub_address" ["address", "settlement"] "a hub's address line";
    HubSettlementOnly => "hub_settlement_only" ["settlement"] "a hub's place when its street address is not known";
    HubDistance => "hub_distance" ["km"] "how far a hub is";
    HubDistanceApprox => "hub_distance_approx" ["km"] "how far a hub is, when its place on the map is estimated";
    HubOpenNow => "hub_open_now" ["until"] "the hub is open now";
    HubOpensToday => "hub_opens_today" ["at"] "the hub is closed and opens later today";
    HubOpensTomorrow => "hub_opens_tomorrow" ["at"] "the hub is closed and opens tomorrow";
    HubOpensOn => "hub_opens_on" ["day", "at"] "the hub is closed and opens on another day";
    HubHoursUnknown => "hub_hours_unknown" [] "the hub's opening hours are not known";
    HubToday => "hub_today" ["hours"] "the hub's hours today";
    HubTodayOff => "hub_today_off" [] "the hub is closed all day today";
    HubPhone => "hub_phone" ["phone"] "a hub's phone number";
    HubServices => "hub_services" ["services"] "what a hub offers";
    LessonContinue => "lesson_continue" [] "offers to go back to the lesson after another answer";
    ChatLocationHint => "chat_location_hint" [] "`pomichnyk chat`: how to share a location in a terminal";
    ChatGroup => "chat_group" ["text"] "`pomichnyk chat`: a message the librarians' group sees";
    ChatGroupHint => "chat_group_hint" [] "`pomichnyk chat`: how to answer a ticket as the librarians' group";
    Resumed => "resumed" [] "after the bot stopped unexpectedly, before showing a resident where they stand";
    DayMon => "day_mon" [] "Monday, as in \"opens on Monday at 9:00\"";
    DayTue => "day_tue" [] "Tuesday, as in \"opens on Tuesday at 9:00\"";
    DayWed => "day_wed" [] "Wednesday, as in \"opens on Wednesday at 9:00\"";
    DayThu => "day_thu" [] "Thursday, as in \"opens on Thursday at 9:00\"";
    DayFri => "day_fri" [] "Friday, as in \"opens on Friday at 9:00\"";
    DaySat => "day_sat" [] "Saturday, as in \"opens on Saturday at 9:00\"";
    DaySun => "day_sun" [] "Sunday, as in \"opens on Sunday at 9:00\"";
    // Hubs kept by their librarians (/myhub), and what residents see of it.
    HubsLocationImpossible => "hubs_location_impossible" [] "a shared location that cannot be a real place (latitude 91, or 0, 0)";
    HubsLocationAbroad => "hubs_location_abroad" [] "a shared location far outside Ukraine";
    HubsPower => "hubs_power" [] "above the hubs where a phone can be charged today";
    HubsPowerNone => "hubs_power_none" [] "no hub said it has power today, and none works during power cuts";
    HubsNearSettlement => "hubs_near_settlement" ["settlement"] "above the hubs nearest a settlement that has none of its own";
    HubDistanceFromSettlement => "hub_distance_from_settlement" ["km"] "how far a hub is from the centre of the settlement the resident named";
    HubsSettlementUnknownDistance => "hubs_settlement_unknown_distance" ["settlement"] "a settlement with no hub, and distances from it are not known";
    HubTodayUsual => "hub_today_usual" [] "a hub's librarian said it works as usual today";
    HubTodayClosed => "hub_today_closed" [] "a hub's librarian said it is closed today";
    HubTodayPower => "hub_today_power" [] "a hub's librarian said it has power and heating today";
    HubTodayNoInternet => "hub_today_no_internet" [] "a hub's librarian said it has no internet today";
    HubPhoneUnknown => "hub_phone_unknown" ["phone"] "a hub's phone is not known; the library system's information line is offered";
    HubPhoneUnknownNoInfo => "hub_phone_unknown_no_info" [] "a hub's phone is not known";
    CmdMyhub => "cmd_myhub" [] "the /myhub command's description (librarians' /help)";
    MyhubNoHub => "myhub_no_hub" ["user"] "for librarians: /myhub by a librarian linked to no hub";
    MyhubChoose => "myhub_choose" [] "for librarians: above the buttons of the hubs they keep";
    MyhubCard => "myhub_card" ["name", "facts"] "for librarians: their hub's card, above its buttons";
    MyhubLocation => "myhub_location" ["place"] "for librarians: the hub's place on the map";
    MyhubNoLocation => "myhub_no_location" [] "for librarians: the hub's place on the map is not known";
    MyhubHours => "myhub_hours" ["hours"] "for librarians: the hub's opening hours, a day a line";
    MyhubNoHours => "myhub_no_hours" [] "for librarians: the opening hours are not known";
    MyhubDayOff => "myhub_day_off" [] "for librarians: a day off in the hours";
    MyhubDayNames => "myhub_day_names" [] "for librarians: the seven short day names, Monday first, separated by spaces";
    MyhubPhone => "myhub_phone" ["phone"] "for librarians: the hub's phone";
    MyhubNoPhone => "myhub_no_phone" [] "for librarians: the hub's phone is not known";
    MyhubServices => "myhub_services" ["services"] "for librarians: the hub's services";
    MyhubNoServices => "myhub_no_services" [] "for librarians: no services given";
    MyhubToday => "myhub_today" ["status"] "for librarians: today's status";
    MyhubTodayNone => "myhub_today_none" [] "for librarians: nothing said about today";
    MyhubSetOn => "myhub_set_on" ["date"] "for librarians: after a fact, when it was set from Telegram";
    MyhubConfirmedOn => "myhub_confirmed_on" ["date"] "for librarians: when the whole card was last confirmed";
    ButtonMyhubLocation => "button_myhub_location" [] "for librarians: set the hub's place on the map";
    ButtonMyhubHours => "button_myhub_hours" [] "for librarians: set the opening hours";
    ButtonMyhubPhone => "button_myhub_phone" [] "for librarians: set the phone";
    ButtonMyhubServices => "button_myhub_services" [] "for librarians: set the services";
    ButtonMyhubToday => "button_myhub_today" [] "for librarians: set today's status";
    ButtonMyhubConfirm => "button_myhub_confirm" [] "for librarians: everything on the card is right";
    ButtonMyhubBack => "button_myhub_back" [] "for librarians: back to the card";
    ButtonMyhubWeekdays => "button_myhub_weekdays" [] "for librarians: choose Monday to Friday";
    ButtonMyhubNext => "button_myhub_next" [] "for librarians: the days are chosen, go on";
    ButtonMyhubDaysOff => "button_myhub_days_off" [] "for librarians: the chosen days are days off";
    ButtonMyhubNoLunch => "button_myhub_no_lunch" [] "for librarians: no lunch break";
    ButtonTodayUsual => "button_today_usual" [] "for librarians: open as usual today";
    ButtonTodayClosed => "button_today_closed" [] "for librarians: closed today";
    ButtonTodayPower => "button_today_power" [] "for librarians: open with power and heating today";
    ButtonTodayNoInternet => "button_today_no_internet" [] "for librarians: no internet today";
    ButtonTodayClear => "button_today_clear" [] "for librarians: take today's status back";
    MyhubAskLocation => "myhub_ask_location" [] "for librarians: share the location while in the library";
    MyhubLocationSet => "myhub_location_set" ["place"] "for librarians: the hub's place was saved";
    MyhubLocationBad => "myhub_location_bad" [] "for librarians: the location shared cannot be the library's";
    MyhubAskPhone => "myhub_ask_phone" [] "for librarians: type the hub's phone";
    MyhubPhoneBad => "myhub_phone_bad" [] "for librarians: what was typed is not a phone number";
    MyhubPhoneSet => "myhub_phone_set" ["phone"] "for librarians: the phone was saved";
    MyhubDays => "myhub_days" ["days"] "for librarians: choose the days to set hours for";
    MyhubNothing => "myhub_nothing" [] "for librarians: no day chosen yet";
    MyhubOpens => "myhub_opens" ["days"] "for librarians: choose the opening time";
    MyhubCloses => "myhub_closes" ["days", "open"] "for librarians: choose the closing time";
    MyhubLunch => "myhub_lunch" ["days", "open", "close"] "for librarians: choose a lunch break";
    MyhubHoursSet => "myhub_hours_set" ["days"] "for librarians: the hours were saved";
    MyhubDaysOffSet => "myhub_days_off_set" ["days"] "for librarians: the days off were saved";
    MyhubServicesAsk => "myhub_services_ask" [] "for librarians: turn services on and off";
    MyhubStatusAsk => "myhub_status_ask" [] "for librarians: choose today's status";
    MyhubStatusSet => "myhub_status_set" ["status"] "for librarians: today's status was saved";
    MyhubStatusCleared => "myhub_status_cleared" [] "for librarians: today's status was taken back";
    MyhubConfirmed => "myhub_confirmed" ["date"] "for librarians: the card was confirmed";
    MyhubNotYours => "myhub_not_yours" [] "for librarians: a hub they do not keep";
    MyhubUnknownHub => "myhub_unknown_hub" ["hub"] "for librarians and admins: no hub has this id";
    ButtonMyhubSummer => "button_myhub_summer" [] "for librarians: the summer hours of the hub";
    ButtonMyhubWinter => "button_myhub_winter" [] "for librarians: the winter hours of the hub";
    ButtonMyhubSeasonDays => "button_myhub_season_days" [] "for librarians: set a season's hours day by day";
    ButtonMyhubSeasonStart => "button_myhub_season_start" [] "for librarians: choose the day a season starts";
    ButtonMyhubSeasonBack => "button_myhub_season_back" [] "for librarians: back to a season's menu";
    ButtonMyhubNoSeasons => "button_myhub_no_seasons" [] "for librarians: take the seasons away, the same hours all year";
    MyhubSeason => "myhub_season" ["season", "date", "hours"] "for librarians: a season on the card, from its start day, a day a line";
    MyhubSeasonNoHours => "myhub_season_no_hours" [] "for librarians: a season's hours are not known";
    MyhubSeasonNow => "myhub_season_now" ["season"] "for librarians: the season in use today";
    MyhubSeasonsIncomplete => "myhub_seasons_incomplete" [] "for librarians: only one season has a start day, so the seasons do not apply yet";
    MyhubSeasonMenu => "myhub_season_menu" ["season", "date", "hours"] "for librarians: a season's menu, above its buttons";
    MyhubSeasonAskMonth => "myhub_season_ask_month" ["season"] "for librarians: choose the month a season starts in";
    MyhubSeasonAskOther => "myhub_season_ask_other" ["season"] "for librarians: the other season needs its start day too";
    MyhubSeasonAskDay => "myhub_season_ask_day" ["season", "month"] "for librarians: choose the day of the month a season starts on";
    MyhubSeasonStartSet => "myhub_season_start_set" ["season", "date"] "for librarians: a season's start day was saved";
    MyhubSeasonSameDay => "myhub_season_same_day" ["season", "date"] "for librarians: the other season already starts on that day";
    MyhubSeasonNoStart => "myhub_season_no_start" ["season"] "for librarians: a season needs its start day before its hours";
    MyhubSeasonHoursSet => "myhub_season_hours_set" ["season", "days"] "for librarians: a season's hours were saved";
    MyhubSeasonDaysOff => "myhub_season_days_off" ["days"] "for librarians: the chosen days of a season are days off";
    MyhubSeasonsRemoved => "myhub_seasons_removed" [] "for librarians: the seasons were taken away";
    MyhubMonthNames => "myhub_month_names" [] "for librarians: the twelve months' names for buttons, January first, separated by spaces";
    MyhubMonthDates => "myhub_month_dates" [] "for librarians: the twelve months' names as in a date (\"1 вересня\"), January first, separated by spaces";
    RoleGrantedHub => "role_granted_hub" ["user", "hub"] "for admins: a librarian was linked to a hub";
    RoleRevokedHub => "role_revoked_hub" ["user", "hub"] "for admins: a librarian was unlinked from a hub";
    CmdFaqReview => "cmd_faq_review" [] "the /faq_review command's description (librarians' /help)";
    FaqReviewCard => "faq_review_card" ["left", "text", "lang", "times", "bot", "resident"] "for librarians: a question the FAQ missed, in /faq_review";
    FaqReviewBotChoices => "faq_review_bot_choices" [] "for librarians: the bot offered choices for the question";
    FaqReviewBotNothing => "faq_review_bot_nothing" [] "for librarians: the bot did not know the answer";
    FaqReviewBotDisliked => "faq_review_bot_disliked" [] "for librarians: the bot answered and the resident voted 👎";
    FaqReviewPicked => "faq_review_picked" ["question"] "for librarians: the resident picked this choice";
    FaqReviewToLibrarian => "faq_review_to_librarian" [] "for librarians: the resident went to a librarian next";
    FaqReviewLeft => "faq_review_left" [] "for librarians: the resident did nothing more";
    FaqReviewPickedButton => "faq_review_picked_button" ["question"] "for librarians: the button of the entry the resident picked";
    ButtonFaqNewAnswer => "button_faq_new_answer" [] "for librarians: the question needs a new answer";
    ButtonFaqOutOfScope => "button_faq_out_of_scope" [] "for librarians: the question is not something the bot is for";
    ButtonFaqSkip => "button_faq_skip" [] "for librarians: leave the question for later";
    FaqReviewAccepted => "faq_review_accepted" ["text", "question"] "for librarians: the question is now a way to ask this entry";
    FaqReviewNewAnswer => "faq_review_new_answer" [] "for librarians: the question is on the admins' list";
    FaqReviewOutOfScope => "faq_review_out_of_scope" [] "for librarians: the question is marked out of scope";
    FaqReviewStale => "faq_review_stale" [] "for librarians: someone reviewed this question already";
    FaqReviewNone => "faq_review_none" [] "for librarians: no question waits for a review";
    FaqReviewSkippedAll => "faq_review_skipped_all" ["left"] "for librarians: the rest were skipped";
    PictureAlt => "picture_alt" ["alt"] "where a picture cannot be shown (the terminal): what it shows";
    GlossaryIntro => "glossary_intro" [] "the glossary's list of words: what it is and how to use it";
    GlossaryEmpty => "glossary_empty" [] "the glossary has no words yet";
    GlossaryWord => "glossary_word" ["word", "meaning"] "one word of the glossary explained";
    ButtonGlossary => "button_glossary" [] "the button back to the glossary's list of words";
    ButtonWhatIs => "button_what_is" ["word"] "under a lesson step that uses a glossary word for the first time: explains it";
    CmdCertificates => "cmd_certificates" [] "the /certificates command's description";
    CmdVerify => "cmd_verify" [] "the /verify command's description";
    CertOverview => "cert_overview" [] "the first paragraph of /certificates: what certificates are and that anyone can check them";
    CertLine => "cert_line" ["course", "code", "date"] "one of the resident's certificates in /certificates";
    CertLineRevoked => "cert_line_revoked" ["course", "code", "date"] "a certificate of the resident's that an admin revoked";
    ButtonCertAgain => "button_cert_again" ["code"] "the button that sends a certificate again";
    ButtonCertOtherLanguage => "button_cert_other_language" [] "the button (in its own language) that sends a certificate in this language";
    CertOffersHeader => "cert_offers_header" [] "above the partners' offers in /certificates";
    CertOffer => "cert_offer" ["partner", "what", "claim", "until"] "one partner's offer in /certificates";
    CertCourses => "cert_courses" [] "above the list of courses in /certificates";
    CertCourseLine => "cert_course_line" ["course", "about", "done", "total"] "one course in /certificates, with the lessons done";
    ButtonCertTest => "button_cert_test" ["course"] "the button that starts a course's final test";
    ButtonCertNextLesson => "button_cert_next_lesson" ["lesson"] "the button to the next lesson of a course not yet done";
    ButtonCertContinue => "button_cert_continue" ["course"] "the button that goes on with a test (or its name) left half-way";
    CertLessonsFirst => "cert_lessons_first" ["lessons"] "the test was asked for before the course's lessons were done";
    CertRetakeLater => "cert_retake_later" ["when"] "a retake asked for before the course's pause is over";
    CertAlreadyHeld => "cert_already_held" [] "the test of a course whose certificate the resident holds";
    CertTestStart => "cert_test_start" ["course", "total", "percent"] "before the first question of a final test";
    CertQuestion => "cert_question" ["n", "total"] "the first line of a test's question";
    CertAlreadyAnswered => "cert_already_answered" [] "a button of a question already answered (the current one follows)";
    CertRight => "cert_right" [] "under a right answer in a test";
    CertWrong => "cert_wrong" ["answer"] "under a wrong answer in a test, with the right one";
    CertPassed => "cert_passed" ["course", "correct", "total", "percent"] "the test is passed";
    CertFailed => "cert_failed" ["course", "correct", "total", "percent", "repeat", "when"] "the test is not passed: what to repeat and when to try again";
    CertAskName => "cert_ask_name" [] "asks for the name to print; says it is kept only for the certificate";
    ButtonCertNoName => "button_cert_no_name" ["anonymous"] "the button for a certificate without a name";
    CertAnonymous => "cert_anonymous" [] "the name printed for someone who prefers none";
    CertConfirmName => "cert_confirm_name" ["name"] "asks to confirm the typed name";
    ButtonCertNameYes => "button_cert_name_yes" [] "confirms the typed name";
    ButtonCertNameChange => "button_cert_name_change" [] "types the name again";
    CertNameTooLong => "cert_name_too_long" ["max"] "a typed name is too long to print";
    CertNameSigns => "cert_name_signs" ["max"] "a typed name has digits, emoji or other signs";
    CertNoKey => "cert_no_key" [] "certificates cannot be issued now (no signing key); the name is kept for later";
    CertIssued => "cert_issued" ["code"] "the certificate is issued: its code, and where to find it again";
    CertCaption => "cert_caption" ["code"] "the caption of the certificate's PDF and picture";
    CertMonths => "cert_months" [] "the twelve months as in a date (\"1 грудня 2026\"), separated by commas";
    CertPdfHeading => "cert_pdf_heading" [] "printed: the certificate's heading";
    CertPdfLead => "cert_pdf_lead" [] "printed: the words before the name";
    CertPdfPassed => "cert_pdf_passed" [] "printed: the words between the name and the course";
    CertPdfLessons => "cert_pdf_lessons" [] "printed: above the course's lessons";
    CertPdfDate => "cert_pdf_date" ["date"] "printed: the date of issue";
    CertPdfCode => "cert_pdf_code" ["code"] "printed: the code";
    CertPdfCheck => "cert_pdf_check" ["link", "code"] "printed: how anyone checks it";
    CertPdfIssuer => "cert_pdf_issuer" [] "printed: who issues it";
    VerifyHowTo => "verify_how_to" [] "/verify without a code";
    VerifyUnavailable => "verify_unavailable" ["code"] "no key is configured, so nothing can be checked";
    VerifyValid => "verify_valid" ["code", "course", "date", "name"] "a genuine certificate";
    VerifyValidRemoved => "verify_valid_removed" ["code", "course", "date"] "a genuine certificate whose holder deleted their data";
    VerifyRevoked => "verify_revoked" ["code", "course", "date"] "a genuine certificate that was revoked";
    VerifyForged => "verify_forged" ["code"] "a record that does not match its signature";
    VerifyUnknown => "verify_unknown" ["code"] "no certificate with this code";
    VerifyPageTitle => "verify_page_title" [] "the title of the verification web page";
    VerifyPageFooter => "verify_page_footer" [] "the verification web page's last line: who issues the certificates and how they are checked";
    CmdReview => "cmd_review" [] "the /review command's description";
    CmdSettings => "cmd_settings" [] "the /settings command's description";
    ReviewNothingYet => "review_nothing_yet" [] "/review before any lesson question went wrong: how review works";
    ReviewNothingDue => "review_nothing_due" ["date"] "/review when questions wait but none is due today: when the next one is";
    ReviewAllLearned => "review_all_learned" [] "/review when every question that went wrong has been learned";
    ReviewStart => "review_start" ["total"] "before the first question of a review: what it is, how many questions";
    ReviewQuestion => "review_question" ["n", "total", "lesson"] "the first line of a review question: which of how many, from which lesson";
    ReviewAgainOn => "review_again_on" ["date"] "after a right answer in a review: the question comes back once more on this date";
    ReviewLearned => "review_learned" [] "after a right answer at the last review: the question is learned";
    ReviewWrongAgain => "review_wrong_again" ["date"] "after a wrong answer in a review: it comes back on this date";
    ReviewDone => "review_done" ["date"] "the end of a review, when more questions come back later: the next date";
    ReviewDoneAll => "review_done_all" [] "the end of a review, when no question is waiting any more";
    ReviewDoneMore => "review_done_more" [] "the end of a review of three, when more questions are due: /review gives the next ones";
    ReviewAlready => "review_already" [] "a button of a review question already answered";
    ReviewReminder => "review_reminder" ["count"] "the reminder (at most one a day, never in quiet hours): questions are due";
    ButtonReview => "button_review" [] "the button that starts a review";
    ButtonReminderOn => "button_reminder_on" [] "the button in /settings that turns the review reminder on";
    ButtonReminderOff => "button_reminder_off" [] "the button that turns the review reminder off";
    ButtonSettingsLanguage => "button_settings_language" [] "the button in /settings that changes the language";
    Settings => "settings" ["language", "reminder"] "the answer to /settings: the language and the review reminder";
    SettingsReminderOn => "settings_reminder_on" [] "in /settings: the reminder is on";
    SettingsReminderOff => "settings_reminder_off" [] "in /settings: the reminder is off";
    ReminderTurnedOn => "reminder_turned_on" [] "confirms the review reminder is on: when it comes";
    ReminderTurnedOff => "reminder_turned_off" [] "confirms the review reminder is off";
    ProgressReview => "progress_review" ["waiting", "learned"] "the review's line in /progress";
    ReviewAfterLesson => "review_after_lesson" [] "before the score of a lesson finished with a question missed: it comes back in /review";
}

/// The loaded sentences, indexed by [`Msg`] and language.
#[derive(Debug, Clone)]
pub struct Strings {
    texts: Vec<Text>,
}

impl Strings {
    /// `texts` must hold one [`Text`] per [`Msg::ALL`] entry, in that order.
    pub(crate) fn new(texts: Vec<Text>) -> Strings {
        debug_assert_eq!(texts.len(), Msg::ALL.len());
        Strings { texts }
    }

    pub fn text(&self, msg: Msg) -> &Text {
        &self.texts[msg as usize]
    }

    pub fn get(&self, msg: Msg, lang: usize) -> &str {
        self.text(msg).get(lang)
    }

    /// The sentence with its `{name}` placeholders filled in, in one pass:
    /// braces inside a value (a resident's own text) are left alone.
    pub fn fill(&self, msg: Msg, lang: usize, values: &[(&str, &str)]) -> String {
        let template = self.get(msg, lang);
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let value = after.find('}').and_then(|close| {
                let name = &after[..close];
                values
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| (*v, close))
            });
            match value {
                Some((v, close)) => {
                    out.push_str(v);
                    rest = &after[close + 1..];
                }
                None => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }
}

/// The `{name}` placeholders used in a text.
pub fn placeholders(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                {
                    found.push(name);
                }
                rest = &after[close + 1..];
            }
            None => break,
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique() {
        let mut keys: Vec<_> = Msg::ALL.iter().map(|m| m.key()).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), Msg::ALL.len());
    }

    #[test]
    fn placeholders_are_found() {
        assert_eq!(
            placeholders("Урок «{title}»: {correct} з {total}"),
            vec!["title", "correct", "total"]
        );
        assert!(placeholders("no { braces here").is_empty());
    }

    #[test]
    fn fill_replaces_every_placeholder() {
        let s = Strings::new(
            Msg::ALL
                .iter()
                .map(|_| Text(vec!["{title}: {correct}/{total}".into()]))
                .collect(),
        );
        assert_eq!(
            s.fill(
                Msg::LessonDone,
                0,
                &[("title", "A"), ("correct", "2"), ("total", "3")]
            ),
            "A: 2/3"
        );
        // A value that looks like a placeholder stays as it is.
        assert_eq!(
            s.fill(
                Msg::LessonDone,
                0,
                &[("title", "{correct}"), ("correct", "2"), ("total", "{x")]
            ),
            "{correct}: 2/{x"
        );
    }
}
