//! Outgoing mail: without SMTP every mail is an `.eml` file in the outbox; with SMTP the mail
//! reaches a real server; an SMTP outage leaves the page alone and the mail is retried later.

use std::time::Duration;

use poort_store::mail_queue;
use poort_tests::smtp::{self, SmtpSink, closed_port};
use poort_tests::{ClientSpec, EMAIL, setup};
use reqwest::StatusCode;

use crate::password_reset::{request_reset, smtp_to};

#[tokio::test]
async fn without_smtp_mails_are_written_to_the_outbox() -> anyhow::Result<()> {
    let (server, _client, browser) = setup(ClientSpec::default(), |config| {
        config.mail.poll_interval_ms = 50;
    })
    .await?;
    let reply = request_reset(&browser, EMAIL).await?;
    assert_eq!(reply.status, StatusCode::OK);
    let outbox = server.state.config.data_dir.join("outbox");
    let mut found = None;
    for _ in 0..200 {
        if let Ok(entries) = std::fs::read_dir(&outbox) {
            found = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .find(|p| p.extension().is_some_and(|x| x == "eml"));
        }
        if found.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let file = found.ok_or_else(|| anyhow::anyhow!("no .eml file in {}", outbox.display()))?;
    let raw = std::fs::read_to_string(&file)?;
    assert!(
        smtp::header_of(&raw, "to")
            .unwrap_or_default()
            .contains(EMAIL)
    );
    let text = smtp::part(&raw, "text/plain")?;
    assert!(
        text.contains(&server.url("/password/reset?token=")),
        "{text}"
    );
    assert!(smtp::part(&raw, "text/html")?.contains("<a href="));
    assert_eq!(mail_queue::pending_count(&server.state.db).await?, 0);
    Ok(())
}

#[tokio::test]
async fn an_smtp_outage_does_not_touch_the_page_and_the_mail_is_retried() -> anyhow::Result<()> {
    let port = closed_port()?;
    let (server, _client, browser) = setup(ClientSpec::default(), |config| {
        smtp_to(port)(config);
        config.mail.retry_base_secs = 60;
    })
    .await?;
    let started = std::time::Instant::now();
    let reply = request_reset(&browser, EMAIL).await?;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "the page does not wait for SMTP"
    );
    assert!(started.elapsed() < Duration::from_secs(5));

    // The first attempt fails and is rescheduled with backoff.
    let mut failed = None;
    for _ in 0..200 {
        let rows = mail_queue::list(&server.state.db).await?;
        if let Some(row) = rows.into_iter().find(|r| r.attempts >= 1) {
            failed = Some(row);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let row = failed.ok_or_else(|| anyhow::anyhow!("the send was never attempted"))?;
    assert!(row.last_error.is_some() && row.failed_at.is_none());
    assert!(row.next_attempt_at >= server.now() + 50, "backoff: {row:?}");

    // SMTP comes back; once the backoff has passed the mail goes out.
    let sink = SmtpSink::start_on(port)?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(sink.messages().is_empty(), "not before the backoff");
    server.clock.advance(61);
    let mail = sink.wait_for(EMAIL, 1).await?;
    assert!(mail.text()?.contains("/password/reset?token="));
    // The worker marks the row sent after the SMTP server has the message: wait for that.
    let mut pending = 1;
    for _ in 0..100 {
        pending = mail_queue::pending_count(&server.state.db).await?;
        if pending == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(pending, 0, "the sent mail left the queue");
    Ok(())
}
