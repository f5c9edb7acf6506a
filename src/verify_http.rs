//! The verification page, `GET /verify/CODE`, served when `verify.listen` is
//! set: an HTML page in Ukrainian that a person reads on a phone after
//! scanning a certificate's QR code, or JSON for `Accept: application/json`.
//!
//! An adapter over the application layer like the bot and the terminal: the
//! check itself is [`App::verification`], the words are the content's.

use std::net::SocketAddr;

use anyhow::Context;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::json;

use crate::app::certificates::Verification;
use crate::app::App;
use crate::certificates::Verdict;
use crate::script::{markup, Msg};

/// The page's routes over `app`.
pub fn router(app: App) -> Router {
    Router::new()
        .route("/verify/{code}", get(page))
        .with_state(app)
}

/// Binds `listen` and serves the page until `stop` changes.
pub async fn spawn(
    app: App,
    listen: SocketAddr,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let tcp = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen} (verify.listen)"))?;
    tracing::info!(%listen, "verification page listening");
    Ok(tokio::spawn(async move {
        let stopped = async move {
            let _ = stop.changed().await;
        };
        if let Err(e) = axum::serve(tcp, router(app))
            .with_graceful_shutdown(stopped)
            .await
        {
            tracing::error!(error = %e, "verification page failed");
        }
    }))
}

async fn page(State(app): State<App>, Path(code): Path<String>, headers: HeaderMap) -> Response {
    let v = match app.verification(&code).await {
        Ok(v) => v,
        Err(e) => {
            tracing::error!(error = %e, "a certificate could not be checked");
            return (StatusCode::SERVICE_UNAVAILABLE, "try again later").into_response();
        }
    };
    let status = if v.verdict == Verdict::Unknown {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::OK
    };
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.contains("application/json"));
    if wants_json {
        (status, axum::Json(as_json(&app, &v))).into_response()
    } else {
        (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            html(&app, &v),
        )
            .into_response()
    }
}

/// The JSON answer: every field of the record a machine needs.
pub fn as_json(app: &App, v: &Verification) -> serde_json::Value {
    let script = app.script();
    let titles: serde_json::Map<String, serde_json::Value> = script
        .languages
        .iter()
        .zip(&v.course_title)
        .map(|(lang, title)| (lang.clone(), json!(title)))
        .collect();
    json!({
        "code": v.code,
        "status": v.verdict.as_str(),
        "valid": matches!(v.verdict, Verdict::Valid { .. }),
        "holder_removed": matches!(v.verdict, Verdict::Valid { holder_removed: true }),
        "course": v.course,
        "course_title": titles,
        "version": v.version,
        "name": v.name,
        "issued": v.issued.map(|d| d.to_string()),
        "hub": v.hub,
        "public_key": app.certifier().signer.as_ref().map(|s| s.public_hex()),
        "signature_algorithm": "Ed25519",
    })
}

/// The page for people, in the content's first language (Ukrainian).
pub fn html(app: &App, v: &Verification) -> String {
    let script = app.script();
    let s = &script.strings;
    let lang = 0;
    let text = app.verification_text(&script, v, lang);
    let body = markup::to_html(&text).replace('\n', "<br>\n");
    let colour = match v.verdict {
        Verdict::Valid { .. } => "#1b7a3a",
        Verdict::Revoked => "#a35d00",
        Verdict::Forged | Verdict::Unknown => "#b3261e",
    };
    format!(
        r#"<!DOCTYPE html>
<html lang="{code}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: "DejaVu Sans", Arial, sans-serif; margin: 0; background: #f4f6fa; color: #1a1a1a; }}
main {{ max-width: 36rem; margin: 1.5rem auto; background: #fff; border-top: 0.5rem solid {colour};
       padding: 1.25rem 1.5rem; font-size: 1.25rem; line-height: 1.5; }}
h1 {{ font-size: 1.4rem; margin: 0 0 1rem; }}
footer {{ margin-top: 1.5rem; font-size: 0.95rem; color: #555; }}
</style>
</head>
<body>
<main>
<h1>{title}</h1>
<p id="verdict">{body}</p>
<footer>{footer}</footer>
</main>
</body>
</html>
"#,
        code = script.languages.first().map_or("uk", String::as_str),
        title = markup::to_html(s.get(Msg::VerifyPageTitle, lang)),
        footer = markup::to_html(s.get(Msg::VerifyPageFooter, lang)),
    )
}
