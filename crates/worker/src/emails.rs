//! The e-mails the service sends, as plain-text askama templates (`templates/*.txt`, not
//! HTML-escaped). Each is built from what the store hands the worker when the job runs.

use crate::mail::{Outgoing, PublicUrl};
use askama::Template;
use store::links::{LinkDelivery, LinkPurpose};

#[derive(Template)]
#[template(path = "invitation.txt")]
struct Invitation<'a> {
    given_name: &'a str,
    organisation: &'a str,
    council: &'a str,
    link: String,
    expires: String,
}

#[derive(Template)]
#[template(path = "password_reset.txt")]
struct PasswordReset<'a> {
    given_name: &'a str,
    council: &'a str,
    link: String,
    expires: String,
}

/// The path an invitation link opens (its token goes in the query string).
pub const INVITATION_PATH: &str = "/invitation";
/// The path a password-reset link opens.
pub const PASSWORD_RESET_PATH: &str = "/password-reset";

/// The e-mail that carries an account link to its holder.
pub fn account_link(delivery: &LinkDelivery, public_url: &PublicUrl, council: &str) -> Result<Outgoing, askama::Error> {
    let expires = domain::clock::london_moment(delivery.expires_at);
    let (subject, body) = match delivery.purpose {
        LinkPurpose::Invitation => (
            format!("Your Early Help account at {council}"),
            Invitation {
                given_name: &delivery.given_name,
                organisation: &delivery.organisation_name,
                council,
                link: public_url.link(INVITATION_PATH, &delivery.token),
                expires,
            }
            .render()?,
        ),
        LinkPurpose::PasswordReset => (
            "Reset your Early Help password".to_owned(),
            PasswordReset {
                given_name: &delivery.given_name,
                council,
                link: public_url.link(PASSWORD_RESET_PATH, &delivery.token),
                expires,
            }
            .render()?,
        ),
    };
    Ok(Outgoing {
        to: delivery.email.clone(),
        subject,
        body,
    })
}
