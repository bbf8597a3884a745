//! TLS served by Poort itself (`[tls]`): with a throwaway certificate, a real TLS client gets
//! TLS 1.3 with X25519 and AES-256-GCM or ChaCha20-Poly1305, HTTP/1.1 and h2 by ALPN; TLS 1.2
//! is refused unless allowed (and then only with forward secrecy); a certificate replaced on
//! disk is served to new connections without a restart; a key that does not match the
//! certificate, or half a setting, stops the start with the path at fault.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use poort_server::app::App;
use poort_server::config::Config;
use poort_server::tls::TlsConfig;
use poort_tests::{TestServer, start_server};
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// A self-signed certificate for `localhost` written as PEM files into `dir`; its DER.
fn write_certificate(dir: &Path) -> anyhow::Result<CertificateDer<'static>> {
    let generated = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])?;
    // Written beside and renamed into place, as certificate tools do, so a reload never sees
    // half a file.
    for (name, text) in [
        ("cert.pem", generated.cert.pem()),
        ("key.pem", generated.signing_key.serialize_pem()),
    ] {
        let partial = dir.join(format!("{name}.new"));
        std::fs::write(&partial, text)?;
        std::fs::rename(&partial, dir.join(name))?;
    }
    Ok(generated.cert.der().clone())
}

fn tls_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("poort-tls-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

async fn tls_server(dir: &Path, allow_tls12: bool) -> anyhow::Result<TestServer> {
    let tls = TlsConfig {
        cert: Some(dir.join("cert.pem")),
        key: Some(dir.join("key.pem")),
        allow_tls12,
        reload_secs: 1,
    };
    start_server(|config| config.tls = tls).await
}

fn client(
    trusted: &CertificateDer<'static>,
    versions: &[&'static rustls::SupportedProtocolVersion],
    alpn: &[&[u8]],
) -> anyhow::Result<TlsConnector> {
    let mut roots = RootCertStore::empty();
    roots.add(trusted.clone())?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(TlsConnector::from(Arc::new(config)))
}

async fn connect(
    server: &TestServer,
    connector: &TlsConnector,
) -> std::io::Result<TlsStream<TcpStream>> {
    let port = server.base.rsplit(':').next().unwrap_or_default();
    let tcp = TcpStream::connect(format!("127.0.0.1:{port}")).await?;
    let name = ServerName::try_from("localhost").map_err(std::io::Error::other)?;
    connector.connect(name, tcp).await
}

/// `GET /healthz` over HTTP/1.1 on an established connection; the status line.
async fn healthz(stream: &mut TlsStream<TcpStream>) -> anyhow::Result<String> {
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await?;
    let text = String::from_utf8_lossy(&response);
    Ok(text.lines().next().unwrap_or_default().to_owned())
}

fn served_certificate(stream: &TlsStream<TcpStream>) -> Option<CertificateDer<'static>> {
    let (_, connection) = stream.get_ref();
    let chain = connection.peer_certificates()?;
    chain.first().map(|c| c.clone().into_owned())
}

#[tokio::test]
async fn tls_1_3_with_x25519_and_a_256_bit_or_chacha_aead_and_nothing_older() -> anyhow::Result<()>
{
    let dir = tls_dir()?;
    let trusted = write_certificate(&dir)?;
    let server = tls_server(&dir, false).await?;

    let modern = client(&trusted, &[&rustls::version::TLS13], &[b"http/1.1"])?;
    let mut stream = connect(&server, &modern).await?;
    {
        let (_, connection) = stream.get_ref();
        assert_eq!(
            connection.protocol_version(),
            Some(rustls::ProtocolVersion::TLSv1_3)
        );
        let suite = connection.negotiated_cipher_suite().map(|s| s.suite());
        assert!(
            matches!(
                suite,
                Some(rustls::CipherSuite::TLS13_AES_256_GCM_SHA384)
                    | Some(rustls::CipherSuite::TLS13_CHACHA20_POLY1305_SHA256)
            ),
            "{suite:?}"
        );
        let group = connection.negotiated_key_exchange_group().map(|g| g.name());
        assert_eq!(group, Some(rustls::NamedGroup::X25519));
        assert_eq!(connection.alpn_protocol(), Some(&b"http/1.1"[..]));
    }
    assert_eq!(healthz(&mut stream).await?, "HTTP/1.1 200 OK");

    // h2 is offered by ALPN.
    let h2 = client(&trusted, &[&rustls::version::TLS13], &[b"h2", b"http/1.1"])?;
    let stream = connect(&server, &h2).await?;
    assert_eq!(stream.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));

    // TLS 1.2 is refused by default; plain HTTP gets no answer a client could take for HTTP.
    let old = client(&trusted, &[&rustls::version::TLS12], &[])?;
    assert!(connect(&server, &old).await.is_err(), "TLS 1.2 refused");
    let port = server.base.rsplit(':').next().unwrap_or_default();
    let mut plain = TcpStream::connect(format!("127.0.0.1:{port}")).await?;
    plain
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await?;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), plain.read_to_end(&mut answer)).await;
    assert!(!answer.starts_with(b"HTTP/"), "plain HTTP is not served");
    Ok(())
}

#[tokio::test]
async fn tls_1_2_when_allowed_is_forward_secret_only() -> anyhow::Result<()> {
    let dir = tls_dir()?;
    let trusted = write_certificate(&dir)?;
    let server = tls_server(&dir, true).await?;
    let old = client(&trusted, &[&rustls::version::TLS12], &[])?;
    let mut stream = connect(&server, &old).await?;
    let suite = stream
        .get_ref()
        .1
        .negotiated_cipher_suite()
        .map(|s| s.suite());
    assert!(
        matches!(
            suite,
            Some(rustls::CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384)
                | Some(rustls::CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256)
        ),
        "{suite:?}"
    );
    assert_eq!(healthz(&mut stream).await?, "HTTP/1.1 200 OK");
    Ok(())
}

#[tokio::test]
async fn a_certificate_replaced_on_disk_is_served_to_new_connections() -> anyhow::Result<()> {
    let dir = tls_dir()?;
    let first = write_certificate(&dir)?;
    let server = tls_server(&dir, false).await?;
    let connector = client(&first, &[&rustls::version::TLS13], &[])?;
    let open = connect(&server, &connector).await?;
    assert_eq!(served_certificate(&open), Some(first.clone()));

    // Modification times are compared, so the new pair must not share the old one's second.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let second = write_certificate(&dir)?;
    let renewed = client(&second, &[&rustls::version::TLS13], &[])?;
    let mut served = None;
    for _ in 0..50 {
        if let Ok(stream) = connect(&server, &renewed).await {
            served = served_certificate(&stream);
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(served, Some(second), "the new certificate is served");
    // The connection opened before the swap still works.
    let mut open = open;
    assert_eq!(healthz(&mut open).await?, "HTTP/1.1 200 OK");
    Ok(())
}

#[tokio::test]
async fn a_mismatched_key_or_half_a_setting_stops_the_start_naming_the_file() -> anyhow::Result<()>
{
    let dir = tls_dir()?;
    write_certificate(&dir)?;
    let other = tls_dir()?;
    write_certificate(&other)?;
    let base = Config {
        data_dir: dir.join("data"),
        ..Config::default()
    };
    let mismatched = Config {
        tls: TlsConfig {
            cert: Some(dir.join("cert.pem")),
            key: Some(other.join("key.pem")),
            ..TlsConfig::default()
        },
        ..base.clone()
    };
    let refused = App::build(mismatched).await.err().map(|e| e.to_string());
    let text = refused.unwrap_or_default();
    assert!(
        text.contains(&other.join("key.pem").display().to_string()),
        "{text}"
    );
    assert!(text.contains("does not match"), "{text}");

    let missing = Config {
        tls: TlsConfig {
            cert: Some(dir.join("nope.pem")),
            key: Some(dir.join("key.pem")),
            ..TlsConfig::default()
        },
        ..base.clone()
    };
    let text = App::build(missing).await.err().map(|e| e.to_string());
    assert!(
        text.as_deref().is_some_and(|t| t.contains("nope.pem")),
        "{text:?}"
    );

    let half = Config {
        tls: TlsConfig {
            cert: Some(dir.join("cert.pem")),
            ..TlsConfig::default()
        },
        ..base
    };
    assert!(half.validate().is_err(), "cert without key");
    Ok(())
}
