//! The `pomichnyk` command: parses the command line, starts logging, loads the
//! settings and hands over to the library.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use tracing_subscriber::EnvFilter;

use pomichnyk::settings::{config_dir, Settings};
use pomichnyk::{chat, check, graph, qr, script, stats, store, store::Store, telegram};

/// Pomichnyk: a Telegram bot that teaches digital skills and cyber-safety.
#[derive(Debug, Parser)]
#[command(name = "pomichnyk", version)]
struct Cli {
    /// The folder with default.toml and local.toml [env: POMICHNYK_CONFIG_DIR; default: config]
    #[arg(long, global = true, value_name = "DIR")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the bot on Telegram (the default): needs TELOXIDE_TOKEN.
    Run,
    /// Check every dialogue and string file; print each problem as path:line:col.
    Check {
        /// The content folder [default: dialogues.dir from the settings]
        dir: Option<PathBuf>,
    },
    /// Talk to the bot in this terminal: type text, a button's number or a /command.
    Chat {
        /// The language to use (for example uk or en)
        #[arg(long)]
        lang: Option<String>,
        /// The resident's user id in the database
        #[arg(long, default_value_t = 1)]
        user: i64,
    },
    /// Write a printable PNG poster with a QR code that opens the bot at a hub.
    Qr {
        /// The hub's id in hubs.toml (for example branch_7)
        hub_id: String,
        /// The bot's Telegram username, without @
        #[arg(long, env = "POMICHNYK_BOT_USERNAME", value_name = "NAME")]
        bot_username: Option<String>,
        /// Where to write the PNG [default: qr-HUB_ID.png in the current folder]
        #[arg(long, value_name = "FILE.png")]
        out: Option<PathBuf>,
    },
    /// Grant or revoke a librarian's or admin's role, outside Telegram.
    Role {
        #[arg(value_enum)]
        change: RoleChange,
        /// The person's Telegram user id
        user_id: i64,
        #[arg(value_enum)]
        role: RoleName,
        /// A librarian of this hub only (its id in hubs.toml): they may change its card (/myhub)
        #[arg(long, value_name = "HUB_ID")]
        hub: Option<String>,
    },
    /// The library hubs' file with the librarians' changes from /myhub.
    Hubs {
        #[command(subcommand)]
        action: HubsAction,
    },
    /// Print usage figures: residents, lesson and step funnels, quizzes, questions, hubs,
    /// tickets, announcements, webinars and the last 12 weeks.
    Stats {
        /// How to print them
        #[arg(long, value_enum, default_value_t = StatsFormat::Text)]
        format: StatsFormat,
        /// The window, in days, for active and new residents, questions, FAQ answers,
        /// tickets, announcements and webinars
        #[arg(
            long,
            value_name = "N",
            default_value_t = 30,
            value_parser = clap::value_parser!(u32).range(1..=36_500)
        )]
        days: u32,
        /// Instead of --days: the window runs from midnight of this local date
        /// (locale.timezone) to now
        #[arg(
            long,
            value_name = "YYYY-MM-DD",
            conflicts_with = "days",
            value_parser = stats::parse_date
        )]
        since: Option<jiff::civil::Date>,
    },
    /// Draw one dialogue as a graph (Mermaid or Graphviz DOT) on standard output.
    Graph {
        /// The dialogue's id (for example phishing)
        id: String,
        /// The output format
        #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
        format: GraphFormat,
    },
    /// The FAQ's learning loop: review the questions it missed, export what was accepted.
    Faq {
        #[command(subcommand)]
        action: FaqAction,
    },
    /// Fold events older than database.fold_after_days into the statistics' aggregates
    /// now (the bot does it once an hour); safe while the bot runs.
    Fold {
        /// In one transaction: much faster for an old database's first fold, but on SQLite
        /// it holds the database for as long (minutes at millions of events), so stop the
        /// bot first
        #[arg(long)]
        at_once: bool,
    },
    /// Write a consistent copy of the database to a new file, even while the bot runs.
    Backup {
        /// Where to write the copy; must not exist yet
        path: PathBuf,
    },
    /// Write the municipality's certificate signing key (Ed25519) and print its public key.
    Keygen {
        /// Where to write the key; must not exist yet (then set certificates.key_file to it)
        path: PathBuf,
    },
    /// Issue or revoke a certificate.
    Certificate {
        #[command(subcommand)]
        action: CertificateAction,
    },
    /// Check a certificate: exit 0 and "valid" for a genuine one; 1 for revoked, unknown or forged.
    Verify {
        /// The code printed on the certificate (for example 7KQ2-M9XD-3F)
        code: String,
    },
}

#[derive(Debug, Subcommand)]
enum CertificateAction {
    /// Issue a certificate for a course passed in person at a hub; prints its code.
    Issue {
        /// The holder's Telegram user id (they find it in /certificates)
        #[arg(long)]
        user: i64,
        /// The course's id (for example safety_online)
        #[arg(long)]
        course: String,
        /// The name to print
        #[arg(long)]
        name: String,
    },
    /// Revoke a certificate: verification then says it was revoked.
    Revoke {
        /// The certificate's code
        code: String,
    },
}

/// `pomichnyk hubs ...`.
#[derive(Debug, Subcommand)]
enum HubsAction {
    /// Print hubs.toml with the librarians' facts merged in (comments kept), to review and commit.
    Export,
}

/// `pomichnyk faq …`.
#[derive(Debug, Subcommand)]
enum FaqAction {
    /// Review the questions the FAQ did not answer at once, as /faq_review does in
    /// Telegram: type a button's number (reads standard input to its end).
    Review {
        /// The librarian's Telegram user id, for the audit log
        /// [default: the first of access.admins]
        #[arg(long)]
        user: Option<i64>,
        /// The language to use (for example uk or en)
        #[arg(long)]
        lang: Option<String>,
    },
    /// Print the phrasings librarians accepted, in the FAQ files' format, for admins to
    /// review, save under faq/ and commit.
    Export,
}

/// `pomichnyk graph --format`.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum GraphFormat {
    /// A Mermaid flowchart (GitHub, GitLab and many wikis draw it)
    Mermaid,
    /// Graphviz DOT (render with `dot -Tsvg`)
    Dot,
}

/// `pomichnyk stats --format`.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum StatsFormat {
    /// Sections with aligned columns, for people
    Text,
    /// One table: section,key,metric,value
    Csv,
    /// One JSON object
    Json,
}

impl From<StatsFormat> for stats::Format {
    fn from(f: StatsFormat) -> Self {
        match f {
            StatsFormat::Text => stats::Format::Text,
            StatsFormat::Csv => stats::Format::Csv,
            StatsFormat::Json => stats::Format::Json,
        }
    }
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum RoleChange {
    Grant,
    Revoke,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum RoleName {
    Librarian,
    Admin,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    // One runtime for every command; a command that needs none does not wait on it.
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(real_main(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn real_main(cli: Cli) -> anyhow::Result<ExitCode> {
    let settings = Settings::load(&config_dir(cli.config.as_deref()))?;
    let languages = settings.language_codes();
    match cli.command {
        Some(Command::Check { dir }) => {
            let dir = dir.unwrap_or_else(|| settings.dialogues.dir.clone());
            // Where residents stand, if the database exists; it is only read.
            let places = store::places_in(&settings.database.url).await;
            let places = places.unwrap_or_else(|e| {
                eprintln!("note: cannot read residents' places from the database: {e}");
                None
            });
            let today =
                pomichnyk::clock::local(pomichnyk::clock::unix_now(), &settings.time_zone()).date();
            let report = check::check(
                &dir,
                &languages,
                places.as_deref(),
                today,
                &mut std::io::stdout().lock(),
            )?;
            if let Some(script) = &report.script {
                let facts = hub_facts(&settings).await;
                let now = pomichnyk::clock::unix_now();
                let zone = settings.time_zone();
                check::hubs_review(script, &facts, now, &zone, &mut std::io::stdout().lock())?;
            }
            Ok(if report.errors() > 0 {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        Some(Command::Chat { lang, user }) => {
            if let Some(l) = &lang {
                anyhow::ensure!(
                    languages.contains(l),
                    "--lang {l}: not one of locale.languages ({})",
                    languages.join(", ")
                );
            }
            let script = load_content(&settings, &languages, false)?;
            let store = Store::open(&settings.database.url).await?;
            let echo = !std::io::IsTerminal::is_terminal(&std::io::stdin());
            let stdin = tokio::io::BufReader::new(tokio::io::stdin());
            let content = Arc::new(pomichnyk::content::Content::new(
                Arc::new(script),
                &settings.dialogues.dir,
                languages.clone(),
            ));
            let app = pomichnyk::app::App::new(
                content,
                store.clone(),
                &settings,
                pomichnyk::clock::system(),
            );
            let session = chat::Session::new(app, user, lang);
            let result = chat::run(session, stdin, std::io::stdout(), echo).await;
            store.close().await;
            result?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Faq { action }) => {
            let script = load_content(&settings, &languages, false)?;
            let store = Store::open(&settings.database.url).await?;
            let content = Arc::new(pomichnyk::content::Content::new(
                Arc::new(script),
                &settings.dialogues.dir,
                languages.clone(),
            ));
            let app = pomichnyk::app::App::new(
                content,
                store.clone(),
                &settings,
                pomichnyk::clock::system(),
            );
            let result = match action {
                FaqAction::Export => app
                    .faq_export()
                    .await
                    .map_err(anyhow::Error::from)
                    .and_then(|text| {
                        let mut stdout = std::io::stdout().lock();
                        stdout
                            .write_all(text.as_bytes())
                            .and_then(|()| stdout.flush())
                            .context("cannot write the phrasings")
                    }),
                FaqAction::Review { user, lang } => {
                    faq_review(&settings, app, user, lang, &languages).await
                }
            };
            store.close().await;
            result?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Qr {
            hub_id,
            bot_username,
            out,
        }) => {
            let script = load_content(&settings, &languages, false)?;
            // The poster is for residents, so its caption is in Ukrainian.
            let uk = languages.iter().position(|l| l == "uk").unwrap_or(0);
            let hubs_file = settings.dialogues.dir.join(script::limits::HUBS_FILE);
            let (path, link) = qr::write_poster(
                &script,
                &hubs_file,
                &hub_id,
                bot_username.as_deref(),
                out,
                uk,
            )?;
            println!("wrote {}", path.display());
            println!("link: {link}");
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Role {
            change,
            user_id,
            role,
            hub,
        }) => {
            anyhow::ensure!(user_id > 0, "{user_id} is not a Telegram user id");
            let role = match role {
                RoleName::Librarian => store::Role::Librarian,
                RoleName::Admin => store::Role::Admin,
            };
            let now = pomichnyk::clock::unix_now();
            if let Some(hub) = hub {
                anyhow::ensure!(
                    role == store::Role::Librarian,
                    "--hub is for librarians: an admin may change every hub"
                );
                let script = load_content(&settings, &languages, false)?;
                anyhow::ensure!(
                    script.hub(&hub).is_some(),
                    "no hub {hub:?} in hubs.toml; known: {}",
                    script
                        .hubs
                        .iter()
                        .map(|h| h.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                let grant = matches!(change, RoleChange::Grant);
                let store = Store::open(&settings.database.url).await?;
                let result = async {
                    if grant {
                        store.set_role(user_id, role, true, 0, now).await?;
                    }
                    store.link_hub(user_id, &hub, grant, 0, now).await
                }
                .await;
                store.close().await;
                let verb = if grant { "linked to" } else { "unlinked from" };
                if result? {
                    println!("librarian {user_id} {verb} {hub}");
                } else {
                    println!("nothing changed: {user_id} and {hub} are already so");
                }
                return Ok(ExitCode::SUCCESS);
            }
            let store = Store::open(&settings.database.url).await?;
            // Actor 0: the command line, in the audit log.
            let grant = matches!(change, RoleChange::Grant);
            let changed = store.set_role(user_id, role, grant, 0, now).await;
            store.close().await;
            let changed = changed?;
            let verb = match change {
                RoleChange::Grant => "granted to",
                RoleChange::Revoke => "revoked from",
            };
            if changed {
                println!("{} {verb} {user_id}", role.as_str());
            } else {
                println!(
                    "nothing changed: {user_id} and {} are already so",
                    role.as_str()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Stats {
            format,
            days,
            since,
        }) => {
            // The clock is read once, here; the store and the report only get `now`.
            let now = pomichnyk::clock::unix_now();
            let zone = settings.time_zone();
            let window = match since {
                Some(date) => store::Window::since_date(now, date, zone)
                    .map_err(|e| anyhow::anyhow!("--since {date}: {e}"))?,
                None => store::Window::last_days(now, days, zone),
            };
            // The order of each lesson's steps is only in the content; without
            // it the funnels go by residents reached, and the report says so.
            let order = match load_content(&settings, &languages, false) {
                Ok(script) => store::LessonOrder::from_script(&script),
                Err(e) => {
                    eprintln!("warning: {e:#}; lesson steps are ordered by residents reached");
                    store::LessonOrder::unknown()
                }
            };
            let store = Store::open(&settings.database.url).await?;
            let figures = store.stats(&window, &order).await;
            store.close().await;
            let figures = figures?;
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(stats::render(&figures, format.into()).as_bytes())
                .and_then(|()| stdout.flush())
                .context("cannot write the report")?;
            if matches!(format, StatsFormat::Text) {
                if let Ok(script) = load_content(&settings, &languages, false) {
                    let facts = hub_facts(&settings).await;
                    writeln!(stdout).context("cannot write the report")?;
                    check::hubs_review(&script, &facts, now, &settings.time_zone(), &mut stdout)
                        .context("cannot write the report")?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Graph { id, format }) => {
            let script = load_content(&settings, &languages, false)?;
            let Some(dialogue) = script.dialogue(&id) else {
                let mut known: Vec<&str> = script.dialogues.keys().map(String::as_str).collect();
                known.sort_unstable();
                anyhow::bail!(
                    "no dialogue {id:?}; known dialogue ids: {}",
                    known.join(", ")
                );
            };
            // The drawing is for admins, who write the content in the first language.
            let text = match format {
                GraphFormat::Mermaid => graph::mermaid(dialogue, 0),
                GraphFormat::Dot => graph::dot(dialogue, 0),
            };
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
                .context("cannot write the graph")?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Hubs {
            action: HubsAction::Export,
        }) => {
            let path = settings.dialogues.dir.join(script::limits::HUBS_FILE);
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let facts = hub_facts(&settings).await;
            let zone = settings.time_zone();
            let date_of = |at: i64| pomichnyk::clock::local(at, &zone).date().to_string();
            let merged = pomichnyk::hubs::export::export(&text, &facts, &date_of);
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(merged.as_bytes())
                .and_then(|()| stdout.flush())
                .context("cannot write the hubs file")?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Fold { at_once }) => {
            let now = pomichnyk::clock::unix_now();
            let store = Store::open(&settings.database.url).await?;
            let folded = pomichnyk::app::fold::fold(
                &store,
                now,
                &settings.time_zone(),
                settings.database.fold_after_days,
                if at_once {
                    pomichnyk::app::fold::FoldHow::AtOnce
                } else {
                    pomichnyk::app::fold::FoldHow::InBatches
                },
            )
            .await;
            store.close().await;
            println!("events folded: {}", folded?);
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Backup { path }) => {
            let store = Store::open(&settings.database.url).await?;
            let bytes = store.backup_to(&path).await;
            store.close().await;
            println!("backup written: {} ({} bytes)", path.display(), bytes?);
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Keygen { path }) => {
            let signer = pomichnyk::certificates::key::generate(&path)?;
            println!("wrote the signing key to {}", path.display());
            println!("public key (Ed25519, hex): {}", signer.public_hex());
            println!("set certificates.key_file to this path; keep the file secret and backed up");
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Certificate { action }) => {
            let (app, store) = certificate_app(&settings, &languages).await?;
            let result = match action {
                CertificateAction::Issue { user, course, name } => {
                    anyhow::ensure!(user > 0, "{user} is not a Telegram user id");
                    app.issue_by_admin(user, &course, &name)
                        .await
                        .map(|code| println!("{code}"))
                        .map_err(anyhow::Error::from)
                }
                CertificateAction::Revoke { code } => match app.revoke_certificate(&code).await {
                    Ok(true) => {
                        println!("revoked {code}");
                        Ok(())
                    }
                    Ok(false) => Err(anyhow::anyhow!(
                        "no valid certificate with code {code:?} (unknown, or already revoked)"
                    )),
                    Err(e) => Err(e.into()),
                },
            };
            store.close().await;
            result?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Verify { code }) => {
            let (app, store) = certificate_app(&settings, &languages).await?;
            anyhow::ensure!(
                app.certifier().signer.is_some(),
                "no signing key to check with: set certificates.key_file"
            );
            let v = app.verification(&code).await;
            store.close().await;
            let v = v?;
            println!("{}", v.verdict.as_str());
            let title = v.course_title.first().cloned().or(v.course.clone());
            for (label, value) in [
                ("code", Some(v.code.clone())),
                ("course", title),
                ("version", v.version.map(|n| n.to_string())),
                ("name", v.name.clone()),
                ("issued", v.issued.map(|d| d.to_string())),
                ("hub", v.hub.clone()),
            ] {
                if let Some(value) = value {
                    println!("{label}: {value}");
                }
            }
            if v.verdict
                == (pomichnyk::certificates::Verdict::Valid {
                    holder_removed: true,
                })
            {
                println!("note: the holder deleted their data, so no name is kept");
            }
            Ok(match v.verdict {
                pomichnyk::certificates::Verdict::Valid { .. } => ExitCode::SUCCESS,
                _ => ExitCode::FAILURE,
            })
        }
        None | Some(Command::Run) => {
            // Check the token first: without it nothing else is worth starting.
            let bot = telegram::bot(&settings)?;
            // A configured key must be readable: otherwise passed tests get no certificate.
            if let Some(path) = &settings.certificates.key_file {
                pomichnyk::certificates::key::load(path)?;
            }
            let script = load_content(&settings, &languages, true)?;
            tracing::info!(dialogues = script.dialogues.len(), "dialogues loaded");
            let store = Store::open(&settings.database.url).await?;
            let result = telegram::run(
                &settings,
                bot,
                store.clone(),
                Arc::new(script),
                stop_signal(),
            )
            .await;
            store.close().await;
            result?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `pomichnyk faq review`: `/faq_review` in a terminal session of the librarian.
async fn faq_review(
    settings: &Settings,
    app: pomichnyk::app::App,
    user: Option<i64>,
    lang: Option<String>,
    languages: &[String],
) -> anyhow::Result<()> {
    let Some(user) = user.or_else(|| settings.access.admins.first().copied()) else {
        anyhow::bail!(
            "say who reviews, for the audit log: --user ID (a librarian's Telegram user id)"
        );
    };
    if let Some(l) = &lang {
        anyhow::ensure!(
            languages.contains(l),
            "--lang {l}: not one of locale.languages ({})",
            languages.join(", ")
        );
    }
    app.seed_admins(&settings.access.admins).await;
    anyhow::ensure!(
        app.store().has_role(user, store::Role::Librarian).await?,
        "{user} is not a librarian; grant the role first: pomichnyk role grant {user} librarian"
    );
    let echo = !std::io::IsTerminal::is_terminal(&std::io::stdin());
    let input = tokio::io::AsyncReadExt::chain(
        std::io::Cursor::new(b"/faq_review\n".to_vec()),
        tokio::io::stdin(),
    );
    let session = chat::Session::new(app, user, lang);
    chat::run(
        session,
        tokio::io::BufReader::new(input),
        std::io::stdout(),
        echo,
    )
    .await
}

/// The application over the database and content, for the certificate commands.
async fn certificate_app(
    settings: &Settings,
    languages: &[String],
) -> anyhow::Result<(pomichnyk::app::App, Store)> {
    if let Some(path) = &settings.certificates.key_file {
        pomichnyk::certificates::key::load(path)?;
    }
    let script = load_content(settings, languages, false)?;
    let store = Store::open(&settings.database.url).await?;
    let content = Arc::new(pomichnyk::content::Content::new(
        Arc::new(script),
        &settings.dialogues.dir,
        languages.to_vec(),
    ));
    let app =
        pomichnyk::app::App::new(content, store.clone(), settings, pomichnyk::clock::system());
    Ok((app, store))
}

/// Loads the dialogues; on errors prints every problem and refuses to go on.
/// `warnings`: also print the warnings of valid content (the bot does, at
/// start; the tools leave them to `pomichnyk check`).
/// The librarians' hub facts from the database, read-only; none (with a
/// note) when there is no database yet or it cannot be read.
async fn hub_facts(settings: &Settings) -> Vec<pomichnyk::hubs::layer::Fact> {
    match store::hub_facts_in(&settings.database.url).await {
        Ok(facts) => facts.unwrap_or_default(),
        Err(e) => {
            eprintln!("note: cannot read the librarians' hub facts from the database: {e}");
            Vec::new()
        }
    }
}

fn load_content(
    settings: &Settings,
    languages: &[String],
    warnings: bool,
) -> anyhow::Result<script::Script> {
    match pomichnyk::content::load(&settings.dialogues.dir, languages) {
        Ok((script, found)) => {
            if warnings {
                found.iter().for_each(|d| eprintln!("{d}"));
            }
            Ok(script)
        }
        Err(failed) => {
            failed.diagnostics.iter().for_each(|d| eprintln!("{d}"));
            Err(failed.into())
        }
    }
}

/// Completes on Ctrl-C (SIGINT) or SIGTERM (systemd, containers).
async fn stop_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
