//! Email over SMTP (lettre): STARTTLS or TLS, credentials from the environment only.
//!
//! `STATEHOUSE_SMTP_URL` is lettre's URL form: `smtp://host:587?tls=required` (STARTTLS),
//! `smtps://user:password@host:465` (TLS), `smtp://127.0.0.1:2525` (plain, loopback only).
//! `STATEHOUSE_MAIL_FROM` is the sender (default `statehouse@localhost`). The URL is never
//! logged or printed: it may hold a password.

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

pub const SMTP_URL_VAR: &str = "STATEHOUSE_SMTP_URL";
pub const FROM_VAR: &str = "STATEHOUSE_MAIL_FROM";

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("{SMTP_URL_VAR} is not a valid SMTP URL (smtp://host:port, smtps://user:password@host)")]
    Url(#[source] lettre::transport::smtp::Error),
    #[error("{0:?} is not an email address")]
    Address(String),
    #[error("cannot build the message")]
    Build(#[source] lettre::error::Error),
    #[error("the SMTP server refused or failed the message")]
    Send(#[source] lettre::transport::smtp::Error),
}

#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the URL: it may carry credentials.
        f.debug_struct("Mailer").field("from", &self.from.to_string()).finish_non_exhaustive()
    }
}

pub fn mailbox(address: &str) -> Result<Mailbox, MailError> {
    address.trim().parse().map_err(|_| MailError::Address(address.to_string()))
}

impl Mailer {
    /// The mailer the environment configures, or `None` when `STATEHOUSE_SMTP_URL` is unset.
    pub fn from_env() -> Result<Option<Mailer>, MailError> {
        let Ok(url) = std::env::var(SMTP_URL_VAR) else { return Ok(None) };
        crate::fetch::install_crypto();
        let from = mailbox(&std::env::var(FROM_VAR).unwrap_or_else(|_| "statehouse@localhost".into()))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&url).map_err(MailError::Url)?.build();
        Ok(Some(Mailer { transport, from }))
    }

    /// A mailer for an SMTP URL and sender given directly (tests, tools).
    pub fn from_url(url: &str, from: &str) -> Result<Mailer, MailError> {
        crate::fetch::install_crypto();
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(MailError::Url)?.build();
        Ok(Mailer { transport, from: mailbox(from)? })
    }

    /// The sender (`STATEHOUSE_MAIL_FROM`).
    pub fn from(&self) -> &Mailbox {
        &self.from
    }

    /// Sends a message built elsewhere (alerts: multipart, with their own headers).
    pub async fn send(&self, message: Message) -> Result<(), MailError> {
        self.transport.send(message).await.map_err(MailError::Send)?;
        Ok(())
    }

    /// Sends one plain-text message.
    /// Sends a plain-text message; `message_id` is the whole `<id@domain>`.
    pub async fn send_text(
        &self,
        to: &[Mailbox],
        subject: &str,
        body: String,
        message_id: &str,
    ) -> Result<(), MailError> {
        let mut builder = Message::builder()
            .from(self.from.clone())
            .subject(subject)
            .message_id(Some(message_id.to_string()))
            .header(ContentType::TEXT_PLAIN);
        for m in to {
            builder = builder.to(m.clone());
        }
        let message = builder.body(body).map_err(MailError::Build)?;
        self.transport.send(message).await.map_err(MailError::Send)?;
        Ok(())
    }
}
