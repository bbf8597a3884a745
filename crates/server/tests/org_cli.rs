//! `poort admin|org|audit` run as an operator would (the binary, a fresh data directory,
//! SQLite): organisations scripted end to end, the last owner kept, and `audit verify`
//! catching a row edited directly in the database (non-zero exit, naming the entry).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

struct DataDir(PathBuf);

impl Drop for DataDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn poort(dir: &Path, args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_poort"))
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .env_remove("POORT_MASTER_KEY")
        .env("POORT_DATA_DIR", dir)
        .env("POORT_ARGON2_MEMORY_KIB", "4096")
        .env("POORT_ARGON2_ITERATIONS", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn ok(dir: &Path, args: &[&str]) -> Value {
    let output = poort(dir, args, "");
    assert!(
        output.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn fails(dir: &Path, args: &[&str]) -> String {
    let output = poort(dir, args, "");
    assert!(!output.status.success(), "{args:?} succeeded");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn operator_scripts_organisations_and_verify_catches_tampering() {
    let dir = DataDir(
        std::env::temp_dir().join(format!("poort-org-cli-{}", uuid::Uuid::new_v4().simple())),
    );
    std::fs::create_dir_all(&dir.0).unwrap();
    let d = dir.0.as_path();
    for email in ["ada@acme.example", "bob@acme.example", "eve@other.example"] {
        let out = poort(
            d,
            &[
                "user",
                "create",
                "--email",
                email,
                "--password-stdin",
                "--json",
            ],
            "a long and unguessable passphrase\n",
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let admin = ok(
        d,
        &["admin", "create", "--email", "ada@acme.example", "--json"],
    );
    assert_eq!(admin["platform_admin"], true);

    let org = ok(
        d,
        &[
            "org",
            "create",
            "--name",
            "Acme",
            "--owner",
            "ada@acme.example",
            "--json",
        ],
    );
    let org_id = org["id"].as_str().unwrap().to_owned();
    assert!(fails(d, &["org", "create", "--name", "Acme"]).contains("already exists"));

    let set = ok(
        d,
        &[
            "org",
            "set",
            "--org",
            "Acme",
            "email_domains=acme.example",
            "require_2fa=true",
            "ip_allowlist=10.0.0.0/8,2001:db8::/32",
            "--json",
        ],
    );
    assert_eq!(set["settings"]["require_2fa"], true);
    assert_eq!(set["settings"]["ip_allowlist"][1], "2001:db8::/32");
    assert!(fails(d, &["org", "set", "--org", "Acme", "colour=blue"]).contains("unknown setting"));

    let added = ok(
        d,
        &[
            "org",
            "add-member",
            "--org",
            &org_id,
            "--email",
            "bob@acme.example",
            "--role",
            "admin",
            "--json",
        ],
    );
    assert_eq!(added["roles"][0], "admin");
    assert!(
        fails(
            d,
            &[
                "org",
                "add-member",
                "--org",
                "Acme",
                "--email",
                "eve@other.example"
            ]
        )
        .contains("allowed domains")
    );
    assert!(
        fails(
            d,
            &[
                "org",
                "remove-member",
                "--org",
                "Acme",
                "--email",
                "ada@acme.example"
            ]
        )
        .contains("at least one owner")
    );
    assert!(
        fails(
            d,
            &[
                "org",
                "set-roles",
                "--org",
                "Acme",
                "--email",
                "ada@acme.example",
                "--role",
                "admin"
            ]
        )
        .contains("at least one owner")
    );

    let list = ok(d, &["org", "list", "--json"]);
    assert_eq!(list[0]["name"], "Acme");
    let shown = ok(d, &["org", "show", "--org", "Acme", "--json"]);
    assert_eq!(shown["members"].as_array().unwrap().len(), 2);

    let verified = ok(d, &["audit", "verify", "--json"]);
    assert_eq!(verified["intact"], true);
    let org_chain = verified["chains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["chain"] == org_id.as_str())
        .unwrap()
        .clone();
    assert_eq!(
        org_chain["entries"], 4,
        "created, owner added, settings, bob added"
    );

    // Tamper with the second entry of Acme's chain directly in the database.
    let db_url = format!("sqlite://{}?mode=rwc", d.join("poort.db").display());
    let tampered_id = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            use poort_store::entities::audit_log;
            use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
            let db = poort_store::connect(&db_url).await.unwrap();
            let row = audit_log::Entity::find()
                .filter(audit_log::Column::Chain.eq(org_id.as_str()))
                .filter(audit_log::Column::Seq.eq(2))
                .one(db.conn())
                .await
                .unwrap()
                .unwrap();
            audit_log::Entity::update_many()
                .set(audit_log::ActiveModel {
                    details: Set("{\"roles\":[\"member\"]}".into()),
                    ..Default::default()
                })
                .filter(audit_log::Column::Id.eq(row.id.as_str()))
                .exec(db.conn())
                .await
                .unwrap();
            db.close().await.unwrap();
            row.id
        });
    let output = poort(d, &["audit", "verify", "--org", "Acme", "--json"], "");
    assert!(!output.status.success(), "verify must fail");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["intact"], false);
    assert_eq!(report["first_broken"]["id"], tampered_id.as_str());
    assert_eq!(report["first_broken"]["seq"], 2);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&tampered_id), "{stderr}");
}
