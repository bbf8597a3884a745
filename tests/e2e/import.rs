//! `poort user import`: users moved from other systems keep their passwords. A PBKDF2-SHA512
//! hash made by Python's hashlib and an ASP.NET Core Identity v3 hash both log in through the
//! real authorize flow, and are rehashed to argon2id on that login; bad lines are reported by
//! number and import nothing while the others import.

use poort_server::admin;
use poort_store::users;
use poort_tests::browser::Landing;
use poort_tests::{ClientSpec, TestServer, start_server};
use reqwest::StatusCode;

/// hashlib.pbkdf2_hmac("sha512", b"Imported from the old system 42", bytes(range(0x20, 0x30)),
/// 25000, 64), written as a PHC string (standard base64 without padding).
const PBKDF2_HASH: &str = "$pbkdf2-sha512$i=25000,l=64$ICEiIyQlJicoKSorLC0uLw$jEr3XTWWuRq4ZjY02kVKOlPcy7ZmtNBamL4GfjkHG4/rjplSYwSiJ5EDck+lMln5jzl295IUk6xnyntD32tJrA";
const PBKDF2_PASSWORD: &str = "Imported from the old system 42";
/// A real ASP.NET Core Identity v3 hash (HMACSHA512, 100,000 rounds) of "Test123$".
const ASPNET_HASH: &str =
    "AQAAAAIAAYagAAAAENoVftXbReMcFkOwzlfLFgFkx1tZ2PVoFwKaz/7UP6r5rlrymlHMFjMgowJCZl+6YA==";
const ASPNET_PASSWORD: &str = "Test123$";

fn import_file(lines: &[String]) -> anyhow::Result<std::path::PathBuf> {
    let path = std::env::temp_dir().join(format!("poort-import-{}.jsonl", uuid::Uuid::new_v4()));
    std::fs::write(&path, lines.join("\n"))?;
    Ok(path)
}

fn line(email: &str, name: &str, hash: &str) -> String {
    serde_json::json!({"email": email, "name": name, "password_hash": hash}).to_string()
}

async fn stored_hash(server: &TestServer, email: &str) -> anyhow::Result<String> {
    users::find_by_login(&server.state.db, email)
        .await?
        .and_then(|u| u.password_hash)
        .ok_or_else(|| anyhow::anyhow!("{email} has no password"))
}

#[tokio::test]
async fn imported_users_log_in_and_are_rehashed_to_argon2id() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    let client = server.create_client(ClientSpec::default()).await?;
    let path = import_file(&[
        line("Pat@Example.com", "Pat", PBKDF2_HASH),
        String::new(),
        line("dotnet@example.com", "Dot Net", ASPNET_HASH),
        line("broken@example.com", "Broken", "not-a-hash"),
        line(
            "bcrypt@example.com",
            "B",
            "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
        ),
        "{\"email\": \"half@example.com\"".into(),
        line("pat@example.com", "Pat again", PBKDF2_HASH),
        line("not-an-email", "X", PBKDF2_HASH),
    ])?;
    let report = admin::import_file(&server.state.config, &path, server.now()).await;
    std::fs::remove_file(&path)?;
    let report = report?;

    let imported: Vec<(usize, &str)> = report
        .imported
        .iter()
        .map(|u| (u.line, u.email.as_str()))
        .collect();
    assert_eq!(
        imported,
        [(1, "pat@example.com"), (3, "dotnet@example.com")]
    );
    let failed: Vec<usize> = report.failed.iter().map(|f| f.line).collect();
    assert_eq!(failed, [4, 5, 6, 7, 8]);
    assert!(report.failed[0].error.contains("unreadable password hash"));
    assert!(report.failed[1].error.contains("unsupported"));
    assert!(report.failed[3].error.contains("already exists"));
    for email in [
        "broken@example.com",
        "bcrypt@example.com",
        "half@example.com",
    ] {
        assert!(
            users::find_by_login(&server.state.db, email)
                .await?
                .is_none()
        );
    }
    // The imported hash is stored as given (canonical PHC), until the first login.
    assert_eq!(stored_hash(&server, "pat@example.com").await?, PBKDF2_HASH);
    let aspnet_before = stored_hash(&server, "dotnet@example.com").await?;
    assert!(aspnet_before.starts_with("$pbkdf2-sha512$i=100000,l=32$"));

    for (email, password) in [
        ("pat@example.com", PBKDF2_PASSWORD),
        ("dotnet@example.com", ASPNET_PASSWORD),
    ] {
        let changed_at = users::find_by_login(&server.state.db, email)
            .await?
            .and_then(|u| u.password_changed_at);
        let browser = server.browser();
        let url = server.authorize_url(&client, &[]);
        let back = browser.login_through(&url, email, password).await?.away()?;
        let code = Landing::query(&back, "code").ok_or_else(|| anyhow::anyhow!("no code"))?;
        let (status, _) = server.redeem(&client, &code, None).await?;
        assert_eq!(status, StatusCode::OK);

        let upgraded = stored_hash(&server, email).await?;
        assert!(
            upgraded.starts_with("$argon2id$v=19$"),
            "{email}: {upgraded}"
        );
        let user = users::find_by_login(&server.state.db, email).await?;
        assert_eq!(
            user.and_then(|u| u.password_changed_at),
            changed_at,
            "a rehash is not a password change"
        );
        // The upgraded hash verifies the same password.
        let again = server.browser();
        let back = again.login_through(&url, email, password).await?.away()?;
        assert!(Landing::query(&back, "code").is_some());
    }
    Ok(())
}

#[tokio::test]
async fn a_missing_file_is_an_error_not_an_empty_import() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    let missing = std::env::temp_dir().join("poort-import-does-not-exist.jsonl");
    let result = admin::import_file(&server.state.config, &missing, server.now()).await;
    assert!(result.is_err());
    Ok(())
}
