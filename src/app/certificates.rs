//! Courses, their final tests and certificates: `/certificates` (one's own
//! certificates, the courses and how far one is, the partners' offers), the
//! test (one question at a time, no time limit, a retake only after the
//! course's pause), the name to print, issuing the signed certificate (PDF and
//! PNG preview), `/verify CODE` for anyone, and what the admins' command line
//! and the verification page ask of the same records.
//!
//! The test in progress and the name being chosen are kept beside the state
//! (`Drafts::exam`) and saved with the turn; each finished test is a
//! `course_attempts` row and each certificate a `certificates` row, written in
//! the same transaction as the step that made them.

use super::{AppError, Body, Handled, Outgoing, To, Turn};
use crate::certificates::exam::{self, Exam, NameProblem, Stage};
use crate::certificates::pdf::{self, Sheet};
use crate::certificates::{self as certs, key, Record, Signer, Verdict};
use crate::commands::{self, Cmd};
use crate::engine::{Context, InlineButton, Input, Keyboard, Press};
use crate::script::courses::Course;
use crate::script::{Msg, Script};
use crate::store::{CertificateRow, Write};

/// What `/certificates` and the admins' tools need besides the store: the
/// signing key and the verification page's address.
#[derive(Debug, Default)]
pub struct Certifier {
    pub signer: Option<Signer>,
    /// `certificates.verify_url`, without a trailing `/`.
    pub verify_url: Option<String>,
}

impl Certifier {
    /// From the settings; a key that cannot be read is logged, and no
    /// certificate is issued until it is fixed (`run` refuses to start instead).
    pub fn from_settings(settings: &crate::settings::Settings) -> Certifier {
        let signer = settings.certificates.key_file.as_deref().and_then(|path| {
            key::load(path)
                .map_err(|e| tracing::warn!(error = %e, "certificates are not issued"))
                .ok()
        });
        Certifier {
            signer,
            verify_url: settings
                .certificates
                .verify_url
                .as_ref()
                .map(|u| u.as_str().trim_end_matches('/').to_string()),
        }
    }

    /// Where a code's QR leads: the verification page, or the code itself when
    /// no page is configured (the bot's /verify still checks it).
    pub fn link(&self, code: &str) -> String {
        match &self.verify_url {
            Some(base) => certs::verify_link(base, code),
            None => code.to_string(),
        }
    }
}

/// A check of a code, for every channel: the bot, `pomichnyk verify`, the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// The code as printed (or as typed, if it is not one).
    pub code: String,
    pub verdict: Verdict,
    /// Set for a genuine certificate (valid or revoked).
    pub course: Option<String>,
    /// The course's title in every language of the content (empty if it is gone).
    pub course_title: Vec<String>,
    pub version: Option<u32>,
    pub name: Option<String>,
    pub issued: Option<jiff::civil::Date>,
    pub hub: Option<String>,
}

/// Why an admin's certificate could not be issued.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error("no course {0:?}; courses: {1}")]
    NoCourse(String, String),
    #[error("the name {0:?} cannot be printed: use letters, spaces, apostrophes and hyphens, at most {max} characters", max = exam::MAX_NAME_CHARS)]
    Name(String),
    #[error("no signing key: set certificates.key_file (write one with `pomichnyk keygen PATH`)")]
    NoKey,
    #[error(transparent)]
    Key(#[from] key::KeyError),
    #[error(transparent)]
    App(#[from] AppError),
}

/// The printed name of someone who prefers none, in the certificate's language.
fn anonymous(script: &Script, lang: usize) -> String {
    script.strings.get(Msg::CertAnonymous, lang).to_string()
}

fn button(label: &str, what: &str) -> InlineButton {
    InlineButton {
        label: label.to_string(),
        data: Press::Cert(what.to_string()).encode(),
        url: None,
    }
}

impl super::App {
    /// `/certificates`, `/verify`, the test's and the name's buttons, and the typed name.
    pub(super) async fn certificates(
        &self,
        t: &mut Turn<'_>,
        input: &Input,
    ) -> Result<Handled, AppError> {
        match input {
            Input::Command { name, arg } => match commands::parse(name) {
                Some(Cmd::Certificates) => {
                    self.listen_for_name(t, false);
                    self.overview(t).await?;
                    Ok(Handled::Yes)
                }
                Some(Cmd::Verify) => {
                    self.verify_command(t, arg).await?;
                    Ok(Handled::Yes)
                }
                Some(Cmd::Cancel) if t.drafts.exam.is_some() => {
                    // A test left half-way is not counted; it can be started again.
                    t.drafts.exam = None;
                    t.dirty = true;
                    Ok(Handled::No)
                }
                _ => {
                    // Any other command: typed text is no longer the name.
                    self.listen_for_name(t, false);
                    Ok(Handled::No)
                }
            },
            Input::Press(data) => match Press::decode(data) {
                Some(Press::Cert(what)) => {
                    self.cert_press(t, &what).await?;
                    Ok(Handled::Yes)
                }
                _ => Ok(Handled::No),
            },
            Input::Text(text) => {
                let listening = matches!(
                    t.drafts.exam.as_ref().map(|e| &e.stage),
                    Some(Stage::Name {
                        listening: true,
                        ..
                    })
                );
                if !listening {
                    return Ok(Handled::No);
                }
                self.typed_name(t, text);
                Ok(Handled::Yes)
            }
            _ => Ok(Handled::No),
        }
    }

    fn listen_for_name(&self, t: &mut Turn<'_>, on: bool) {
        if let Some(Exam {
            stage: Stage::Name { listening, .. },
            ..
        }) = t.drafts.exam.as_mut()
        {
            if *listening != on {
                *listening = on;
                t.dirty = true;
            }
        }
    }

    /// `/certificates`: one's certificates, the offers for them, the courses.
    async fn overview(&self, t: &mut Turn<'_>) -> Result<(), AppError> {
        let script = t.script.clone();
        let (s, lang) = (&script.strings, t.lang);
        let mine = self.store.certificates_of(t.user).await?;
        let mut rows: Vec<Vec<InlineButton>> = Vec::new();
        let mut lines = vec![s.get(Msg::CertOverview, lang).to_string()];
        let held: Vec<&str> = mine
            .iter()
            .filter(|c| !c.stored.revoked)
            .map(|c| c.stored.record.course.as_str())
            .collect();
        for cert in &mine {
            let r = &cert.stored.record;
            let title = script
                .course(&r.course)
                .map_or(r.course.as_str(), |c| c.title.get(lang));
            let msg = if cert.stored.revoked {
                Msg::CertLineRevoked
            } else {
                Msg::CertLine
            };
            lines.push(s.fill(
                msg,
                lang,
                &[
                    ("course", title),
                    ("code", &r.code),
                    ("date", &self.date_words(&script, r.issued, lang)),
                ],
            ));
            if !cert.stored.revoked {
                rows.push(vec![button(
                    &s.fill(Msg::ButtonCertAgain, lang, &[("code", &r.code)]),
                    &format!("r:{}:{}", r.code, script.languages[lang]),
                )]);
                for (i, other) in script.languages.iter().enumerate() {
                    if i != lang {
                        rows.push(vec![button(
                            s.get(Msg::ButtonCertOtherLanguage, i),
                            &format!("r:{}:{other}", r.code),
                        )]);
                    }
                }
            }
        }
        // Offers that hold today for the courses one holds.
        let today = self.local_now().date();
        let offers: Vec<String> = script
            .offers
            .iter()
            .filter(|o| o.applies(today, &held))
            .map(|o| {
                s.fill(
                    Msg::CertOffer,
                    lang,
                    &[
                        ("partner", o.partner.get(lang)),
                        ("what", o.what.get(lang)),
                        ("claim", o.claim.get(lang)),
                        ("until", &self.date_words(&script, o.until, lang)),
                    ],
                )
            })
            .collect();
        if !offers.is_empty() {
            lines.push(s.get(Msg::CertOffersHeader, lang).to_string());
            lines.extend(offers);
        }
        t.text(lines.join("\n\n"), Keyboard::None);

        // The courses, each with where the resident stands.
        let mut text = vec![s.get(Msg::CertCourses, lang).to_string()];
        let mut course_rows = Vec::new();
        if let Some(exam) = &t.drafts.exam {
            if let Some(course) = script.course(&exam.course) {
                course_rows.push(vec![button(
                    &s.fill(
                        Msg::ButtonCertContinue,
                        lang,
                        &[("course", course.title.get(lang))],
                    ),
                    "c",
                )]);
            }
        }
        for course in &script.courses {
            let done = course
                .lessons
                .iter()
                .filter(|l| t.state.lessons.get(*l).is_some_and(|r| r.done))
                .count();
            let line = s.fill(
                Msg::CertCourseLine,
                lang,
                &[
                    ("course", course.title.get(lang)),
                    ("about", course.about.get(lang)),
                    ("done", &done.to_string()),
                    ("total", &course.lessons.len().to_string()),
                ],
            );
            text.push(line);
            if held.contains(&course.id.as_str()) {
                continue;
            }
            if done == course.lessons.len() {
                course_rows.push(vec![button(
                    &s.fill(
                        Msg::ButtonCertTest,
                        lang,
                        &[("course", course.title.get(lang))],
                    ),
                    &format!("s:{}", course.id),
                )]);
            } else if let Some(next) = course
                .lessons
                .iter()
                .find(|l| !t.state.lessons.get(*l).is_some_and(|r| r.done))
            {
                if let Some(d) = script.dialogue(next) {
                    course_rows.push(vec![InlineButton {
                        label: s.fill(
                            Msg::ButtonCertNextLesson,
                            lang,
                            &[("lesson", d.title.get(lang))],
                        ),
                        data: Press::Open(next.clone()).encode(),
                        url: None,
                    }]);
                }
            }
        }
        rows.extend(course_rows);
        t.text(text.join("\n\n"), Keyboard::Inline(rows));
        Ok(())
    }

    async fn cert_press(&self, t: &mut Turn<'_>, what: &str) -> Result<(), AppError> {
        let mut parts = what.split(':');
        match (parts.next(), parts.next(), parts.next()) {
            (Some("s"), Some(course), None) => self.start_test(t, course).await,
            (Some("a"), Some(n), Some(option)) => {
                let (Ok(n), Ok(option)) = (n.parse::<usize>(), option.parse::<usize>()) else {
                    return self.stale(t);
                };
                self.answer(t, n, option).await
            }
            (Some("c"), None, None) => {
                self.listen_for_name(t, true);
                self.show_exam(t);
                Ok(())
            }
            (Some("n"), None, None) => {
                let name = anonymous(&t.script, t.lang);
                self.issue_to_resident(t, name).await
            }
            (Some("y"), None, None) => match t.drafts.exam.as_ref().map(|e| e.stage.clone()) {
                Some(Stage::Name {
                    typed: Some(name), ..
                }) => self.issue_to_resident(t, name).await,
                _ => self.stale(t),
            },
            (Some("e"), None, None) => {
                if let Some(Exam {
                    stage: Stage::Name { typed, listening },
                    ..
                }) = t.drafts.exam.as_mut()
                {
                    *typed = None;
                    *listening = true;
                    t.dirty = true;
                }
                self.show_exam(t);
                Ok(())
            }
            (Some("r"), Some(code), Some(lang)) => self.send_again(t, code, lang).await,
            _ => self.stale(t),
        }
    }

    /// A button that no longer means anything: said kindly, with the way on.
    fn stale(&self, t: &mut Turn<'_>) -> Result<(), AppError> {
        t.say(Msg::StaleButton, &[]);
        self.show_exam(t);
        Ok(())
    }

    async fn start_test(&self, t: &mut Turn<'_>, course_id: &str) -> Result<(), AppError> {
        let script = t.script.clone();
        let Some(course) = script.course(course_id) else {
            return self.stale(t);
        };
        let lang = t.lang;
        let missing: Vec<&str> = course
            .lessons
            .iter()
            .filter(|l| !t.state.lessons.get(*l).is_some_and(|r| r.done))
            .filter_map(|l| script.dialogue(l).map(|d| d.title.get(lang)))
            .collect();
        if !missing.is_empty() {
            let list = missing
                .iter()
                .map(|m| format!("• {m}"))
                .collect::<Vec<_>>()
                .join("\n");
            t.say(Msg::CertLessonsFirst, &[("lessons", &list)]);
            return Ok(());
        }
        if let Some(last) = self.store.last_attempt(t.user, &course.id).await? {
            let ready = last.at + i64::from(course.retake_hours) * 3600;
            if !last.passed && self.now() < ready {
                let when = self.when_words(&script, ready, lang);
                t.say(Msg::CertRetakeLater, &[("when", &when)]);
                return Ok(());
            }
        }
        if self
            .store
            .certificates_of(t.user)
            .await?
            .iter()
            .any(|c| c.stored.record.course == course.id && !c.stored.revoked)
        {
            t.say(Msg::CertAlreadyHeld, &[]);
            return Ok(());
        }
        let draw = u64::from_le_bytes(key::random::<8>().unwrap_or_else(|e| {
            // Without the system's randomness the draw still differs per person and time.
            tracing::warn!(error = %e, "drawing questions from the clock");
            (self.now() as u64 ^ Context::seed_of(t.user)).to_le_bytes()
        }));
        let exam = Exam::new(course, draw);
        t.say(
            Msg::CertTestStart,
            &[
                ("course", course.title.get(lang)),
                ("total", &exam.total().to_string()),
                ("percent", &course.pass_percent.to_string()),
            ],
        );
        t.drafts.exam = Some(exam);
        t.dirty = true;
        self.show_exam(t);
        Ok(())
    }

    /// Shows where the test stands: the current question, or the name prompt.
    fn show_exam(&self, t: &mut Turn<'_>) {
        let script = t.script.clone();
        let (s, lang) = (&script.strings, t.lang);
        let Some(exam) = t.drafts.exam.clone() else {
            return;
        };
        let Some(course) = script.course(&exam.course) else {
            // The course was removed from the files: the test ends, uncounted.
            t.drafts.exam = None;
            t.dirty = true;
            t.say(Msg::StaleDialogue, &[]);
            return;
        };
        match &exam.stage {
            Stage::Asking => {
                let Some((at, id)) = exam.current() else {
                    return;
                };
                let Some(question) = course.question(id) else {
                    // A question removed by a reload: skipped, counted as right.
                    let mut exam = exam.clone();
                    exam.answers.push(true);
                    t.drafts.exam = Some(exam);
                    t.dirty = true;
                    return self.show_exam(t);
                };
                let order = exam::option_order(
                    Context::seed_of(t.user),
                    &course.id,
                    &question.id,
                    question.options.len(),
                );
                let rows = order
                    .into_iter()
                    .map(|i| {
                        vec![button(
                            question.options[i].0.get(lang),
                            &format!("a:{at}:{i}"),
                        )]
                    })
                    .collect();
                let text = format!(
                    "{}\n\n{}",
                    s.fill(
                        Msg::CertQuestion,
                        lang,
                        &[
                            ("n", &(at + 1).to_string()),
                            ("total", &exam.total().to_string())
                        ]
                    ),
                    question.text.get(lang)
                );
                t.text(text, Keyboard::Inline(rows));
            }
            Stage::Name { typed: None, .. } => {
                let rows = vec![vec![button(
                    &s.fill(
                        Msg::ButtonCertNoName,
                        lang,
                        &[("anonymous", &anonymous(&script, lang))],
                    ),
                    "n",
                )]];
                t.text(
                    s.get(Msg::CertAskName, lang).to_string(),
                    Keyboard::Inline(rows),
                );
            }
            Stage::Name {
                typed: Some(name), ..
            } => {
                let rows = vec![
                    vec![button(s.get(Msg::ButtonCertNameYes, lang), "y")],
                    vec![button(s.get(Msg::ButtonCertNameChange, lang), "e")],
                ];
                t.text(
                    s.fill(Msg::CertConfirmName, lang, &[("name", name)]),
                    Keyboard::Inline(rows),
                );
            }
        }
    }

    async fn answer(&self, t: &mut Turn<'_>, n: usize, option: usize) -> Result<(), AppError> {
        let script = t.script.clone();
        let (s, lang) = (&script.strings, t.lang);
        let Some(mut exam) = t.drafts.exam.clone() else {
            return self.stale(t);
        };
        let current = exam.current().map(|(at, id)| (at, id.to_string()));
        let Some(course) = script.course(&exam.course) else {
            return self.stale(t);
        };
        let (Some((at, id)), Stage::Asking) = (current, &exam.stage) else {
            return self.stale(t);
        };
        let Some(question) = course.question(&id) else {
            return self.stale(t);
        };
        if at != n || option >= question.options.len() {
            // An older question's button, or forged data: the current one again.
            t.say(Msg::CertAlreadyAnswered, &[]);
            self.show_exam(t);
            return Ok(());
        }
        let (chosen, right) = (&question.options[option].0, question.options[option].1);
        let verdict = if right {
            s.get(Msg::CertRight, lang).to_string()
        } else {
            let correct = question
                .options
                .iter()
                .find(|(_, c)| *c)
                .map_or("", |(text, _)| text.get(lang));
            s.fill(Msg::CertWrong, lang, &[("answer", correct)])
        };
        t.reply(crate::engine::Reply::Answered {
            note: format!(
                "{}\n{verdict}",
                s.fill(Msg::QuizChosen, lang, &[("answer", chosen.get(lang))])
            ),
        });
        exam.answers.push(right);
        t.dirty = true;
        if exam.current().is_some() {
            t.drafts.exam = Some(exam);
            self.show_exam(t);
            return Ok(());
        }
        // The last answer: the result.
        let (correct, total) = (exam.right(), exam.total());
        let passed = course.passes(correct, total);
        t.writes.push(Write::CourseAttempt {
            user: t.user,
            course: course.id.clone(),
            version: course.version,
            correct,
            total,
            passed,
            now: self.now(),
        });
        let values = [
            ("course", course.title.get(lang)),
            ("correct", &correct.to_string()),
            ("total", &total.to_string()),
            ("percent", &course.pass_percent.to_string()),
        ];
        if passed {
            t.say(Msg::CertPassed, &values);
            exam.stage = Stage::Name {
                typed: None,
                listening: true,
            };
            t.drafts.exam = Some(exam);
            self.show_exam(t);
        } else {
            let repeat = exam.to_repeat(course);
            let ready = self.now() + i64::from(course.retake_hours) * 3600;
            let list = repeat
                .iter()
                .filter_map(|l| script.dialogue(l))
                .map(|d| format!("• {}", d.title.get(lang)))
                .collect::<Vec<_>>()
                .join("\n");
            let mut values = values.to_vec();
            let when = self.when_words(&script, ready, lang);
            values.push(("repeat", &list));
            values.push(("when", &when));
            let text = s.fill(Msg::CertFailed, lang, &values);
            let rows = repeat
                .iter()
                .filter_map(|l| script.dialogue(l))
                .map(|d| {
                    vec![InlineButton {
                        label: d.title.get(lang).to_string(),
                        data: Press::Open(d.id.clone()).encode(),
                        url: None,
                    }]
                })
                .collect();
            t.text(text, Keyboard::Inline(rows));
            t.drafts.exam = None;
        }
        Ok(())
    }

    fn typed_name(&self, t: &mut Turn<'_>, text: &str) {
        let cleaned = exam::clean_name(text).and_then(|name| {
            if pdf::printable(&name) {
                Ok(name)
            } else {
                Err(NameProblem::Signs)
            }
        });
        match cleaned {
            Ok(name) => {
                if let Some(Exam {
                    stage: Stage::Name { typed, .. },
                    ..
                }) = t.drafts.exam.as_mut()
                {
                    *typed = Some(name);
                    t.dirty = true;
                }
            }
            Err(problem) => {
                let msg = match problem {
                    NameProblem::TooLong => Msg::CertNameTooLong,
                    NameProblem::Empty | NameProblem::Signs => Msg::CertNameSigns,
                };
                t.say(msg, &[("max", &exam::MAX_NAME_CHARS.to_string())]);
            }
        }
        self.show_exam(t);
    }

    /// Signs, records and sends the certificate of the test just passed.
    async fn issue_to_resident(&self, t: &mut Turn<'_>, name: String) -> Result<(), AppError> {
        let script = t.script.clone();
        let lang = t.lang;
        let Some(exam) = t
            .drafts
            .exam
            .clone()
            .filter(|e| matches!(e.stage, Stage::Name { .. }))
        else {
            return self.stale(t);
        };
        let Some(course) = script.course(&exam.course) else {
            return self.stale(t);
        };
        let Some(signer) = self.certifier.signer.as_ref() else {
            t.say(Msg::CertNoKey, &[]);
            return Ok(());
        };
        let hub = self
            .store
            .resident(t.user)
            .await?
            .and_then(|r| r.referring_hub);
        let (record, signature) = match self.sign(signer, course, &name, hub) {
            Ok(signed) => signed,
            Err(e) => {
                tracing::error!(error = %e, "cannot make a certificate");
                t.say(Msg::Failure, &[]);
                return Ok(());
            }
        };
        t.writes.push(Write::Certificate {
            user: Some(t.user),
            record: record.clone(),
            signature,
            lang: script.languages[lang].clone(),
            now: self.now(),
        });
        t.audit("certificate", Some(&record.code), Some(&course.id));
        t.drafts.exam = None;
        t.dirty = true;
        t.say(Msg::CertIssued, &[("code", &record.code)]);
        self.deliver_certificate(t, &record, lang);
        Ok(())
    }

    /// A new signed record of `course` for `name`, dated today.
    fn sign(
        &self,
        signer: &Signer,
        course: &Course,
        name: &str,
        hub: Option<String>,
    ) -> Result<(Record, String), key::KeyError> {
        let code = certs::code_from(key::random()?);
        let record = Record::new(
            code,
            &course.id,
            course.version,
            self.local_now().date(),
            hub,
            name,
            key::random()?,
        );
        let signature = signer.sign(&record);
        Ok((record, signature))
    }

    /// The PDF and its preview, to this resident.
    fn deliver_certificate(&self, t: &mut Turn<'_>, record: &Record, lang: usize) {
        let script = t.script.clone();
        match self.drawings(&script, record, lang) {
            Ok((pdf, png)) => {
                let caption =
                    script
                        .strings
                        .fill(Msg::CertCaption, lang, &[("code", &record.code)]);
                t.out.push(Outgoing {
                    to: To::Person(t.user),
                    body: Body::File {
                        bytes: pdf,
                        name: format!("certificate-{}-{}.pdf", record.code, script.languages[lang]),
                        caption: caption.clone(),
                    },
                    reply_to: None,
                });
                t.out.push(Outgoing {
                    to: To::Person(t.user),
                    body: Body::Picture { png, caption },
                    reply_to: None,
                });
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot draw a certificate");
                t.say(Msg::Failure, &[]);
            }
        }
    }

    /// The certificate's PDF and PNG in a language.
    pub fn drawings(
        &self,
        script: &Script,
        record: &Record,
        lang: usize,
    ) -> Result<(Vec<u8>, Vec<u8>), pdf::DrawError> {
        let sheet = self.sheet(script, record, lang);
        Ok((pdf::render(&sheet)?, certs::picture::render(&sheet)?))
    }

    /// What is printed, in language `lang`.
    pub fn sheet(&self, script: &Script, record: &Record, lang: usize) -> Sheet {
        let s = &script.strings;
        let course = script.course(&record.course);
        let link = self.certifier.link(&record.code);
        let name = record
            .name
            .clone()
            .unwrap_or_else(|| anonymous(script, lang));
        Sheet {
            heading: s.get(Msg::CertPdfHeading, lang).to_string(),
            lead: s.get(Msg::CertPdfLead, lang).to_string(),
            name,
            passed: s.get(Msg::CertPdfPassed, lang).to_string(),
            course: course.map_or(record.course.clone(), |c| c.title.get(lang).to_string()),
            lessons_heading: s.get(Msg::CertPdfLessons, lang).to_string(),
            lessons: course
                .map(|c| {
                    c.lessons
                        .iter()
                        .filter_map(|l| script.dialogue(l))
                        .map(|d| d.title.get(lang).to_string())
                        .collect()
                })
                .unwrap_or_default(),
            date: s.fill(
                Msg::CertPdfDate,
                lang,
                &[("date", &self.date_words(script, record.issued, lang))],
            ),
            code: s.fill(Msg::CertPdfCode, lang, &[("code", &record.code)]),
            check: s.fill(
                Msg::CertPdfCheck,
                lang,
                &[("link", &link), ("code", &record.code)],
            ),
            issuer: s.get(Msg::CertPdfIssuer, lang).to_string(),
            link,
        }
    }

    /// `/certificates` → a certificate again, in a language.
    async fn send_again(&self, t: &mut Turn<'_>, code: &str, lang: &str) -> Result<(), AppError> {
        let script = t.script.clone();
        let Some(lang) = script.lang_index(lang) else {
            return self.stale(t);
        };
        let row = self.store.certificate(code).await?;
        match row {
            Some(row) if row.user == Some(t.user) && !row.stored.revoked => {
                self.deliver_certificate(t, &row.stored.record, lang);
                Ok(())
            }
            _ => self.stale(t),
        }
    }

    /// `/verify CODE`.
    async fn verify_command(&self, t: &mut Turn<'_>, arg: &str) -> Result<(), AppError> {
        if arg.trim().is_empty() {
            t.say(Msg::VerifyHowTo, &[]);
            return Ok(());
        }
        let v = self.verification(arg).await?;
        let text = self.verification_text(&t.script, &v, t.lang);
        t.text(text, Keyboard::None);
        Ok(())
    }

    /// What a check of a code says, in a language (for the bot and the page).
    pub fn verification_text(&self, script: &Script, v: &Verification, lang: usize) -> String {
        let s = &script.strings;
        let title = v
            .course_title
            .get(lang)
            .or(v.course_title.first())
            .cloned()
            .or_else(|| v.course.clone())
            .unwrap_or_default();
        let date = v
            .issued
            .map(|d| self.date_words(script, d, lang))
            .unwrap_or_default();
        let name = v.name.clone().unwrap_or_default();
        let values = [
            ("code", v.code.as_str()),
            ("course", title.as_str()),
            ("date", date.as_str()),
            ("name", name.as_str()),
        ];
        let msg = match v.verdict {
            _ if self.certifier.signer.is_none() => Msg::VerifyUnavailable,
            Verdict::Valid {
                holder_removed: false,
            } => Msg::VerifyValid,
            Verdict::Valid {
                holder_removed: true,
            } => Msg::VerifyValidRemoved,
            Verdict::Revoked => Msg::VerifyRevoked,
            Verdict::Forged => Msg::VerifyForged,
            Verdict::Unknown => Msg::VerifyUnknown,
        };
        s.fill(msg, lang, &values)
    }

    /// Checks a code (as typed) against the stored record and the public key.
    pub async fn verification(&self, typed: &str) -> Result<Verification, AppError> {
        let script = self.script();
        let unknown = |code: String| Verification {
            code,
            verdict: Verdict::Unknown,
            course: None,
            course_title: Vec::new(),
            version: None,
            name: None,
            issued: None,
            hub: None,
        };
        let Some(code) = certs::normalize_code(typed) else {
            let shown: String = typed.trim().chars().take(20).collect();
            return Ok(unknown(shown));
        };
        let Some(signer) = self.certifier.signer.as_ref() else {
            return Ok(unknown(code));
        };
        let row: Option<CertificateRow> = self.store.certificate(&code).await?;
        let verdict = certs::check(row.as_ref().map(|r| &r.stored), &signer.verifying_key());
        let genuine = matches!(verdict, Verdict::Valid { .. } | Verdict::Revoked);
        let Some(row) = row.filter(|_| genuine) else {
            let mut v = unknown(code);
            v.verdict = verdict;
            return Ok(v);
        };
        let r = row.stored.record;
        Ok(Verification {
            course_title: script
                .course(&r.course)
                .map(|c| c.title.0.clone())
                .unwrap_or_default(),
            course: Some(r.course),
            version: Some(r.version),
            name: r.name,
            issued: Some(r.issued),
            hub: r.hub,
            code,
            verdict,
        })
    }

    /// `pomichnyk certificate issue`: a certificate for a test passed on paper at
    /// a hub; answers its code. The holder, if they use the bot, finds it in `/certificates`.
    pub async fn issue_by_admin(
        &self,
        user: i64,
        course: &str,
        name: &str,
    ) -> Result<String, IssueError> {
        let script = self.script();
        let course = script.course(course).ok_or_else(|| {
            let known: Vec<&str> = script.courses.iter().map(|c| c.id.as_str()).collect();
            IssueError::NoCourse(course.to_string(), known.join(", "))
        })?;
        let name = exam::clean_name(name)
            .ok()
            .filter(|n| pdf::printable(n))
            .ok_or_else(|| IssueError::Name(name.to_string()))?;
        let signer = self.certifier.signer.as_ref().ok_or(IssueError::NoKey)?;
        let hub = self
            .store
            .resident(user)
            .await
            .map_err(AppError::from)?
            .and_then(|r| r.referring_hub);
        let (record, signature) = self.sign(signer, course, &name, hub)?;
        let code = record.code.clone();
        let now = self.now();
        self.store
            .write(vec![
                Write::Certificate {
                    user: Some(user),
                    record,
                    signature,
                    lang: script.languages[0].clone(),
                    now,
                },
                Write::Audit {
                    actor: 0,
                    action: "certificate".into(),
                    target: Some(code.clone()),
                    detail: Some(course.id.clone()),
                    now,
                },
            ])
            .await
            .map_err(AppError::from)?;
        Ok(code)
    }

    /// `pomichnyk certificate revoke`: answers whether a valid certificate was revoked.
    pub async fn revoke_certificate(&self, typed: &str) -> Result<bool, AppError> {
        let Some(code) = certs::normalize_code(typed) else {
            return Ok(false);
        };
        let now = self.now();
        let answers = self
            .store
            .write(vec![
                Write::RevokeCertificate {
                    code: code.clone(),
                    now,
                },
                Write::Audit {
                    actor: 0,
                    action: "certificate_revoke".into(),
                    target: Some(code),
                    detail: None,
                    now,
                },
            ])
            .await?;
        Ok(answers.first().copied().unwrap_or(0) > 0)
    }

    /// A date in words: "1 грудня 2026", "1 December 2026".
    pub fn date_words(&self, script: &Script, date: jiff::civil::Date, lang: usize) -> String {
        let months: Vec<&str> = script
            .strings
            .get(Msg::CertMonths, lang)
            .split(',')
            .map(str::trim)
            .collect();
        let month = months
            .get(usize::try_from(date.month() - 1).unwrap_or(0))
            .copied()
            .unwrap_or("");
        if month.is_empty() {
            date.to_string()
        } else {
            format!("{} {month} {}", date.day(), date.year())
        }
    }

    /// A moment in words: the date and the local time.
    fn when_words(&self, script: &Script, unix: i64, lang: usize) -> String {
        let local = crate::clock::local(unix, &self.tz);
        format!(
            "{}, {:02}:{:02}",
            self.date_words(script, local.date(), lang),
            local.hour(),
            local.minute()
        )
    }
}
