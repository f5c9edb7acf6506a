//! Settings: one typed tree, loaded once at start-up.
//!
//! Layers, later ones win:
//! 1. `config/default.toml` — committed, every key documented there;
//! 2. `config/local.toml` — optional, ignored by git, for one machine;
//! 3. environment variables `POMICHNYK__SECTION__KEY` (lists comma-separated).
//!
//! A wrong value stops start-up with a message that names the key and the
//! layer it came from, so an operator knows which file or variable to fix.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use config::{Config, Environment, File, FileFormat};
use secrecy::SecretString;
use serde::{Deserialize, Deserializer};
use url::Url;

/// The whole settings tree. Field names are the keys of `config/default.toml`.
#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub database: DatabaseSettings,
    pub dialogues: DialogueSettings,
    pub access: AccessSettings,
    pub locale: LocaleSettings,
    pub telegram: TelegramSettings,
    pub webhook: WebhookSettings,
    pub broadcast: BroadcastSettings,
    pub handoff: HandoffSettings,
    #[serde(default)]
    pub certificates: CertificateSettings,
    #[serde(default)]
    pub verify: VerifySettings,
}

/// Certificates: the signing key and the public address of their verification page.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CertificateSettings {
    /// The Ed25519 key `pomichnyk keygen PATH` wrote; empty: no certificates are issued.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub key_file: Option<PathBuf>,
    /// The public base address of the verification page; a certificate's QR code
    /// leads to `verify_url/CODE`.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub verify_url: Option<Url>,
}

/// The verification page (`GET /verify/CODE`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct VerifySettings {
    /// Where to serve it, "0.0.0.0:8090"; empty: not served.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub listen: Option<SocketAddr>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    /// `sqlite://path/to/file.db` (created on first run) or `sqlite::memory:`.
    pub url: String,
    /// Events older than this many days are folded into the statistics'
    /// aggregates and deleted (`store::fold`).
    #[serde(default = "default_fold_after_days")]
    pub fold_after_days: u32,
}

fn default_fold_after_days() -> u32 {
    90
}

#[derive(Debug, Clone, Deserialize)]
pub struct DialogueSettings {
    /// The folder with dialogue, string, FAQ and hub files.
    pub dir: PathBuf,
    /// Reload the content by itself when a file in `dir` changes.
    #[serde(default = "yes")]
    pub watch: bool,
    /// How long the files must stay unchanged before a reload, in milliseconds
    /// (an editor saving several files counts as one change).
    #[serde(default = "default_debounce_ms")]
    pub debounce_ms: u64,
}

fn yes() -> bool {
    true
}

fn default_debounce_ms() -> u64 {
    1000
}

#[derive(Debug, Clone, Deserialize)]
pub struct AccessSettings {
    /// Telegram user ids of the first admins.
    #[serde(default, deserialize_with = "one_or_many")]
    pub admins: Vec<i64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LocaleSettings {
    /// The language of a resident whose Telegram language is not one of `languages`.
    pub default: Lang,
    /// Every language the content must be written in.
    #[serde(deserialize_with = "one_or_many")]
    pub languages: Vec<Lang>,
    /// The time zone used for opening hours, quiet hours and reminders.
    pub timezone: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TelegramMode {
    Polling,
    Webhook,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TelegramSettings {
    pub mode: TelegramMode,
    /// Optional here; `TELOXIDE_TOKEN` in the environment is the usual place.
    #[serde(default, deserialize_with = "empty_secret_as_none")]
    pub token: Option<SecretString>,
    /// Optional Bot API base URL; `TELOXIDE_API_URL` in the environment also works.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub api_url: Option<Url>,
    /// Flood control: messages a resident may send at once ...
    pub flood_burst: u32,
    /// ... and then one more each this many milliseconds; the excess is dropped.
    pub flood_period_ms: u64,
    /// Flood control of button presses: presses at once ...
    pub press_burst: u32,
    /// ... and then one more each this many milliseconds.
    pub press_period_ms: u64,
    /// The same press again within this many milliseconds is a double tap, acted on once.
    pub press_repeat_ms: u64,
    /// Pacing of replies to one chat: messages sent at once ...
    pub pace_burst: u32,
    /// ... and then one each this many milliseconds (Telegram allows about one a second).
    pub pace_period_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WebhookSettings {
    pub listen: SocketAddr,
    #[serde(default, deserialize_with = "empty_as_none")]
    pub public_url: Option<Url>,
    #[serde(default, deserialize_with = "empty_secret_as_none")]
    pub secret: Option<SecretString>,
    /// This replica's slot among bot processes sharing one PostgreSQL
    /// database (`store::REPLICA_SLOTS`: 0 to 65535, distinct for each
    /// replica); unset, the port of `listen`.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub replica_slot: Option<i64>,
    /// Webhook requests Telegram may keep open at once (`setWebhook`'s
    /// `max_connections`, 1 to 100), over all replicas behind the address.
    /// Each is answered only once its turn is committed, so this bounds
    /// how many turns the replicas together take at once.
    #[serde(default = "default_max_connections")]
    pub max_connections: u8,
}

fn default_max_connections() -> u8 {
    40
}

impl WebhookSettings {
    /// The replica's slot: `replica_slot`, else the port it listens on
    /// (validated when the settings load).
    pub fn slot(&self) -> i64 {
        self.replica_slot
            .unwrap_or_else(|| i64::from(self.listen.port()))
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct BroadcastSettings {
    /// Messages per second for announcements, kept below Telegram's ~30/s.
    pub per_second: u32,
    /// Local hours when announcements wait for the morning, "21:00-09:00"; empty for none.
    #[serde(default)]
    pub quiet_hours: String,
}

impl BroadcastSettings {
    /// The quiet hours as (from, to), if any; validated when the settings load.
    pub fn quiet(&self) -> Option<(jiff::civil::Time, jiff::civil::Time)> {
        let (from, to) = self.quiet_hours.split_once('-')?;
        Some((from.trim().parse().ok()?, to.trim().parse().ok()?))
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct HandoffSettings {
    /// The librarians' group chat; questions are handed to it.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub librarians_chat_id: Option<i64>,
}

/// A two-letter language code such as `uk` or `en`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct Lang(String);

impl Lang {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Lang {
    type Error = String;

    fn try_from(code: String) -> Result<Self, String> {
        let code = code.trim().to_ascii_lowercase();
        if code == "ua" {
            return Err("\"ua\" is not a language code; Ukrainian is \"uk\"".into());
        }
        if code.len() == 2 && code.bytes().all(|b| b.is_ascii_lowercase()) {
            Ok(Lang(code))
        } else {
            Err(format!(
                "{code:?} is not a two-letter language code such as \"uk\" or \"en\""
            ))
        }
    }
}

impl std::str::FromStr for Lang {
    type Err = String;

    fn from_str(code: &str) -> Result<Self, String> {
        Lang::try_from(code.to_string())
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why settings could not be loaded; the message names the key and its source.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("settings: {0}")]
    Config(#[from] config::ConfigError),
    #[error("settings: `{key}` (from {origin}): {message}")]
    Invalid {
        key: &'static str,
        origin: String,
        message: String,
    },
}

/// Where the configuration folder is: `--config DIR`, else `POMICHNYK_CONFIG_DIR`, else `config`.
pub fn config_dir(flag: Option<&Path>) -> PathBuf {
    flag.map(Path::to_path_buf)
        .or_else(|| std::env::var_os("POMICHNYK_CONFIG_DIR").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("config"))
}

impl Settings {
    /// Loads the layers from `dir` and the process environment.
    pub fn load(dir: &Path) -> Result<Settings, SettingsError> {
        Self::load_with_env(dir, None)
    }

    /// Like [`Settings::load`], but with the environment given as a map (tests use this).
    pub fn load_with_env(
        dir: &Path,
        env: Option<std::collections::HashMap<String, String>>,
    ) -> Result<Settings, SettingsError> {
        let default = dir.join("default.toml");
        let mut environment = Environment::with_prefix("POMICHNYK")
            .prefix_separator("__")
            .separator("__")
            .list_separator(",")
            .with_list_parse_key("access.admins")
            .with_list_parse_key("locale.languages")
            .try_parsing(true);
        if let Some(env) = env {
            environment = environment.source(Some(env));
        }
        let config = Config::builder()
            .add_source(File::from(default).format(FileFormat::Toml).required(true))
            .add_source(
                File::from(dir.join("local.toml"))
                    .format(FileFormat::Toml)
                    .required(false),
            )
            .add_source(environment)
            .build()?;
        let settings: Settings = config.clone().try_deserialize()?;
        settings.validate(&config)?;
        Ok(settings)
    }

    /// Checks what serde cannot: values that depend on each other or on the outside world.
    fn validate(&self, config: &Config) -> Result<(), SettingsError> {
        let invalid = |key: &'static str, message: String| SettingsError::Invalid {
            key,
            origin: origin(config, key),
            message,
        };
        let url = self.database.url.as_str();
        if !(url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            return Err(invalid(
                "database.url",
                format!(
                    "{url:?} is neither a SQLite URL such as \"sqlite://data/pomichnyk.db\" \
                     nor a PostgreSQL one such as \"postgres://pomichnyk@localhost/pomichnyk\""
                ),
            ));
        }
        if self.locale.languages.is_empty() {
            return Err(invalid(
                "locale.languages",
                "name at least one language".into(),
            ));
        }
        if !self.locale.languages.contains(&self.locale.default) {
            return Err(invalid(
                "locale.default",
                format!(
                    "\"{}\" is not one of locale.languages ({})",
                    self.locale.default,
                    self.language_list()
                ),
            ));
        }
        if let Err(e) = jiff::tz::TimeZone::get(&self.locale.timezone) {
            return Err(invalid(
                "locale.timezone",
                format!("unknown time zone {:?}: {e}", self.locale.timezone),
            ));
        }
        // Telegram allows about 30 a second; more only makes sense against a local Bot API
        // server or a load test, and `run` warns about it.
        if !(1..=1000).contains(&self.broadcast.per_second) {
            return Err(invalid(
                "broadcast.per_second",
                format!(
                    "{} is outside 1..=1000 (Telegram allows about 30 messages a second)",
                    self.broadcast.per_second
                ),
            ));
        }
        if !self.broadcast.quiet_hours.trim().is_empty() && self.broadcast.quiet().is_none() {
            return Err(invalid(
                "broadcast.quiet_hours",
                format!(
                    "{:?} is not like \"21:00-09:00\" (or empty for none)",
                    self.broadcast.quiet_hours
                ),
            ));
        }
        for (key, value) in [
            ("telegram.flood_burst", self.telegram.flood_burst as u64),
            ("telegram.flood_period_ms", self.telegram.flood_period_ms),
            ("telegram.press_burst", self.telegram.press_burst as u64),
            ("telegram.press_period_ms", self.telegram.press_period_ms),
            ("telegram.pace_burst", self.telegram.pace_burst as u64),
            ("telegram.pace_period_ms", self.telegram.pace_period_ms),
            ("dialogues.debounce_ms", self.dialogues.debounce_ms),
            (
                "database.fold_after_days",
                u64::from(self.database.fold_after_days),
            ),
        ] {
            if value == 0 {
                return Err(invalid(key, "must be at least 1".into()));
            }
        }
        if let Some(secret) = &self.webhook.secret {
            use secrecy::ExposeSecret;
            let s = secret.expose_secret();
            let fine = (1..=256).contains(&s.len())
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            if !fine {
                return Err(invalid(
                    "webhook.secret",
                    "Telegram accepts 1 to 256 characters of A-Z, a-z, 0-9, _ and -".into(),
                ));
            }
        }
        if !(1..=100).contains(&self.webhook.max_connections) {
            return Err(invalid(
                "webhook.max_connections",
                format!(
                    "{} is not what Telegram accepts: 1 to 100",
                    self.webhook.max_connections
                ),
            ));
        }
        if let Some(slot) = self.webhook.replica_slot {
            let slots = crate::store::REPLICA_SLOTS;
            if !(0..slots).contains(&slot) {
                return Err(invalid(
                    "webhook.replica_slot",
                    format!(
                        "{slot} is not a replica slot: it must be 0 to {}",
                        slots - 1
                    ),
                ));
            }
        }
        if self.telegram.mode == TelegramMode::Webhook {
            match &self.webhook.public_url {
                None => {
                    return Err(invalid(
                        "webhook.public_url",
                        "telegram.mode is \"webhook\", so set the public https:// address".into(),
                    ))
                }
                Some(u) if u.scheme() != "https" => {
                    return Err(invalid(
                        "webhook.public_url",
                        format!("Telegram sends webhooks only to https:// addresses, not {u}"),
                    ))
                }
                Some(_) => {}
            }
            if self.webhook.secret.is_none() {
                return Err(invalid(
                    "webhook.secret",
                    "telegram.mode is \"webhook\", so set a secret token".into(),
                ));
            }
        }
        Ok(())
    }

    /// The community's time zone (validated when the settings were loaded).
    pub fn time_zone(&self) -> jiff::tz::TimeZone {
        jiff::tz::TimeZone::get(&self.locale.timezone).unwrap_or(jiff::tz::TimeZone::UTC)
    }

    /// The configured languages as the codes the content uses, default first.
    pub fn language_codes(&self) -> Vec<String> {
        let mut codes = vec![self.locale.default.to_string()];
        for l in &self.locale.languages {
            if l != &self.locale.default {
                codes.push(l.to_string());
            }
        }
        codes
    }

    fn language_list(&self) -> String {
        self.language_codes().join(", ")
    }
}

/// Which layer a key's value came from, for error messages.
fn origin(config: &Config, key: &str) -> String {
    match config.get::<config::Value>(key) {
        Ok(v) => v.origin().unwrap_or("the environment").to_string(),
        Err(_) => "no layer (the key is missing)".to_string(),
    }
}

/// Treats an empty string (an unset environment variable) as "not set".
/// A list, or one value: the environment gives `POMICHNYK__ACCESS__ADMINS=111`
/// as a number, and `111,222` as a list.
fn one_or_many<'de, D, T>(de: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Item {
        Str(String),
        Int(i64),
    }
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Many(Vec<Item>),
        One(Item),
    }
    let items = match Raw::deserialize(de)? {
        Raw::Many(items) => items,
        Raw::One(Item::Str(s)) => s
            .split(',')
            .map(|p| Item::Str(p.trim().to_string()))
            .filter(|i| !matches!(i, Item::Str(s) if s.is_empty()))
            .collect(),
        Raw::One(item) => vec![item],
    };
    items
        .into_iter()
        .map(|item| {
            let text = match item {
                Item::Str(s) => s,
                Item::Int(i) => i.to_string(),
            };
            text.trim().parse::<T>().map_err(serde::de::Error::custom)
        })
        .collect()
}

fn empty_as_none<'de, D, T>(de: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Str(String),
        Int(i64),
    }
    match Option::<Raw>::deserialize(de)? {
        None => Ok(None),
        Some(Raw::Int(i)) => i
            .to_string()
            .parse()
            .map(Some)
            .map_err(serde::de::Error::custom),
        Some(Raw::Str(s)) if s.trim().is_empty() => Ok(None),
        Some(Raw::Str(s)) => s.trim().parse().map(Some).map_err(serde::de::Error::custom),
    }
}

/// Like [`empty_as_none`], for secrets (which are never parsed or printed).
fn empty_secret_as_none<'de, D>(de: D) -> Result<Option<SecretString>, D::Error>
where
    D: Deserializer<'de>,
{
    let raw: Option<String> = empty_as_none(de)?;
    Ok(raw.map(SecretString::from))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config")
    }

    fn load(vars: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        let env: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::load_with_env(&dir(), Some(env))
    }

    #[test]
    fn the_shipped_defaults_load() {
        let s = load(&[]).expect("default.toml loads");
        assert_eq!(s.database.url, "sqlite://data/pomichnyk.db");
        assert_eq!(s.locale.default.as_str(), "uk");
        assert_eq!(s.language_codes(), vec!["uk", "en"]);
        assert_eq!(s.telegram.mode, TelegramMode::Polling);
        assert_eq!(s.broadcast.per_second, 25);
        assert!(s.handoff.librarians_chat_id.is_none());
    }

    #[test]
    fn environment_overrides_and_lists() {
        let s = load(&[
            ("POMICHNYK__ACCESS__ADMINS", "11,22"),
            ("POMICHNYK__BROADCAST__PER_SECOND", "10"),
            ("POMICHNYK__HANDOFF__LIBRARIANS_CHAT_ID", "-100123"),
        ])
        .expect("loads");
        assert_eq!(s.access.admins, vec![11, 22]);
        assert_eq!(s.broadcast.per_second, 10);
        assert_eq!(s.handoff.librarians_chat_id, Some(-100123));
    }

    #[test]
    fn a_bad_number_names_the_key_and_source() {
        let e = load(&[("POMICHNYK__BROADCAST__PER_SECOND", "fast")])
            .expect_err("must fail")
            .to_string();
        assert!(e.contains("broadcast.per_second"), "{e}");
        assert!(e.contains("environment"), "{e}");
    }

    #[test]
    fn one_admin_in_the_environment_is_a_list_of_one() {
        let s = load(&[("POMICHNYK__ACCESS__ADMINS", "9001")]).expect("settings");
        assert_eq!(s.access.admins, vec![9001]);
        let s = load(&[("POMICHNYK__ACCESS__ADMINS", "111,222")]).expect("settings");
        assert_eq!(s.access.admins, vec![111, 222]);
        let s = load(&[("POMICHNYK__LOCALE__LANGUAGES", "uk")]).expect("settings");
        assert_eq!(s.language_codes(), vec!["uk"]);
    }

    #[test]
    fn an_out_of_range_rate_is_refused() {
        let e = load(&[("POMICHNYK__BROADCAST__PER_SECOND", "0")])
            .expect_err("must fail")
            .to_string();
        assert!(
            e.contains("broadcast.per_second") && e.contains("1..=1000"),
            "{e}"
        );
        let e = load(&[("POMICHNYK__BROADCAST__QUIET_HOURS", "late")])
            .expect_err("must fail")
            .to_string();
        assert!(e.contains("broadcast.quiet_hours"), "{e}");
    }

    #[test]
    fn an_unknown_language_names_the_key() {
        let e = load(&[("POMICHNYK__LOCALE__DEFAULT", "ua")])
            .expect_err("must fail")
            .to_string();
        assert!(e.contains("locale.default"), "{e}");
        assert!(e.contains("Ukrainian is \"uk\""), "{e}");
        let e = load(&[("POMICHNYK__LOCALE__DEFAULT", "de")])
            .expect_err("must fail")
            .to_string();
        assert!(
            e.contains("locale.default") && e.contains("not one of"),
            "{e}"
        );
    }

    #[test]
    fn a_bad_url_names_the_key() {
        let e = load(&[("POMICHNYK__WEBHOOK__PUBLIC_URL", "not a url")])
            .expect_err("must fail")
            .to_string();
        assert!(e.contains("webhook.public_url"), "{e}");
        let e = load(&[("POMICHNYK__DATABASE__URL", "mysql://x")])
            .expect_err("must fail")
            .to_string();
        assert!(
            e.contains("database.url") && e.contains("environment"),
            "{e}"
        );
    }

    #[test]
    fn webhook_mode_needs_https_and_a_secret() {
        let e = load(&[
            ("POMICHNYK__TELEGRAM__MODE", "webhook"),
            (
                "POMICHNYK__WEBHOOK__PUBLIC_URL",
                "http://bot.example.org/hook",
            ),
        ])
        .expect_err("must fail")
        .to_string();
        assert!(e.contains("https"), "{e}");
        let ok = load(&[
            ("POMICHNYK__TELEGRAM__MODE", "webhook"),
            (
                "POMICHNYK__WEBHOOK__PUBLIC_URL",
                "https://bot.example.org/hook",
            ),
            ("POMICHNYK__WEBHOOK__SECRET", "s3cret"),
        ]);
        assert!(ok.is_ok(), "{:?}", ok.err());
    }

    #[test]
    fn a_replica_slot_is_one_of_the_slots_and_else_the_port() {
        let webhook = [
            ("POMICHNYK__TELEGRAM__MODE", "webhook"),
            ("POMICHNYK__WEBHOOK__LISTEN", "0.0.0.0:8443"),
            (
                "POMICHNYK__WEBHOOK__PUBLIC_URL",
                "https://bot.example.org/hook",
            ),
            ("POMICHNYK__WEBHOOK__SECRET", "s3cret"),
        ];
        let unset = load(&webhook).expect("loads");
        assert_eq!(unset.webhook.replica_slot, None);
        assert_eq!(unset.webhook.slot(), 8443);
        for (value, slot) in [("0", 0), ("65535", 65_535), ("", 8443)] {
            let mut vars = webhook.to_vec();
            vars.push(("POMICHNYK__WEBHOOK__REPLICA_SLOT", value));
            let settings = load(&vars).expect("loads");
            assert_eq!(settings.webhook.slot(), slot, "replica_slot = {value:?}");
        }
        for value in ["65536", "-1", "100000"] {
            let mut vars = webhook.to_vec();
            vars.push(("POMICHNYK__WEBHOOK__REPLICA_SLOT", value));
            let e = load(&vars).expect_err("out of range").to_string();
            assert!(
                e.contains("webhook.replica_slot") && e.contains("0 to 65535"),
                "{value}: {e}"
            );
        }
    }

    #[test]
    fn max_connections_is_what_telegram_accepts() {
        let default = load(&[]).expect("loads");
        assert_eq!(default.webhook.max_connections, 40);
        let hundred = load(&[("POMICHNYK__WEBHOOK__MAX_CONNECTIONS", "100")]).expect("loads");
        assert_eq!(hundred.webhook.max_connections, 100);
        for value in ["0", "101", "1000", "-1", "many"] {
            let e = load(&[("POMICHNYK__WEBHOOK__MAX_CONNECTIONS", value)])
                .expect_err("out of range")
                .to_string();
            assert!(e.contains("max_connections"), "{value}: {e}");
        }
    }

    #[test]
    fn a_bad_time_zone_is_refused() {
        let e = load(&[("POMICHNYK__LOCALE__TIMEZONE", "Europe/Kiev-ish")])
            .expect_err("must fail")
            .to_string();
        assert!(e.contains("locale.timezone"), "{e}");
    }
}
