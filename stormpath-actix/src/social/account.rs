//! From a provider's profile to a local account: the linked account when the identity is known;
//! else the account the signed-in user proved is theirs; else, for an email no account has, a
//! new account; an email a password account already has is linked only when the provider
//! verified it and the site turned `autoLink` on — never silently taken over.

use std::sync::Arc;

use stormpath_client::{
    Account, AccountId, AccountStatus, Error as BackendError, NewAccount, ProviderLink,
};

use super::{config::ProviderConfig, profile::Profile, state};
use crate::{Error, Stormpath};

/// The account the profile signs in, creating or linking as the rules allow.
///
/// `current`: the account already logged in on this browser (its owner proved it): a new
/// identity is linked to it.
pub(crate) async fn resolve(
    sp: &Stormpath,
    provider: &ProviderConfig,
    profile: Profile,
    current: Option<&AccountId>,
) -> Result<Account, Error> {
    let backend = sp.backend();
    if let Some(account) = backend
        .account_by_provider(&provider.id, &profile.subject)
        .await?
    {
        return usable(&account).map(|()| (*account).clone());
    }
    let email = profile
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_owned);
    let link = ProviderLink::new(&provider.id, &profile.subject).with_email(email.clone());
    if let Some(id) = current {
        backend.link_provider(id, link).await?;
        let account = backend.account(id).await?.ok_or(BackendError::NotFound)?;
        tracing::info!(account = %account.href, provider = %provider.id, "provider linked");
        return Ok((*account).clone());
    }
    let Some(email) = email else {
        return Err(Error::BadRequest(format!(
            "We could not retrieve your email address from {}. Please grant the email permission and try again.",
            provider.name
        )));
    };
    if let Some(existing) = backend.account_by_email(&email).await? {
        if !(provider.auto_link && profile.email_verified) {
            return Err(Error::BadRequest(format!(
                "An account with the email address of your {name} account already exists. Log in \
                 with your password first; then sign in with {name} to connect it.",
                name = provider.name
            )));
        }
        usable(&existing)?;
        backend.link_provider(&existing.id, link).await?;
        tracing::info!(account = %existing.href, provider = %provider.id, "provider linked by verified email");
        return Ok((*existing).clone());
    }
    create(sp, provider, profile, email, link).await
}

/// A disabled or unverified account does not sign in by a provider either.
fn usable(account: &Arc<Account>) -> Result<(), Error> {
    match account.status {
        AccountStatus::Enabled => Ok(()),
        AccountStatus::Disabled => Err(BackendError::AccountDisabled.into()),
        _ => Err(BackendError::AccountUnverified.into()),
    }
}

/// A new account for the profile, with a random password nobody knows, and the link; the
/// account is removed again when the link cannot be made (a concurrent first sign-in).
async fn create(
    sp: &Stormpath,
    provider: &ProviderConfig,
    profile: Profile,
    email: String,
    link: ProviderLink,
) -> Result<Account, Error> {
    let backend = sp.backend();
    let (given, surname) = names(&profile);
    // Only an address the provider verified is taken as verified; otherwise the site's own
    // verification applies when it has one.
    let status = (!profile.email_verified && sp.settings().verify_email)
        .then_some(AccountStatus::Unverified);
    let account = backend
        .create_account(NewAccount {
            email,
            password: format!("{}Aa1!", state::random()),
            username: None,
            given_name: given,
            middle_name: None,
            surname,
            custom_data: Default::default(),
            status,
        })
        .await?;
    if let Err(err) = backend
        .link_provider(&account.id, link.creating_account())
        .await
    {
        let _ = backend.delete_account(&account.id).await;
        return Err(err.into());
    }
    tracing::info!(account = %account.href, provider = %provider.id, "account created by provider sign-in");
    usable(&Arc::new(account.clone()))?;
    Ok(account)
}

/// Given name and surname, from the profile or split from the full name (Stormpath required
/// both; `-` stands in for a missing one).
fn names(profile: &Profile) -> (Option<String>, Option<String>) {
    let full = profile.name.as_deref().map(str::trim).unwrap_or_default();
    let (first, last) = full.split_once(' ').unwrap_or((full, ""));
    let pick = |given: &Option<String>, split: &str| {
        given
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .or(Some(split.trim()).filter(|s| !s.is_empty()))
            .unwrap_or("-")
            .chars()
            .take(100)
            .collect::<String>()
    };
    (
        Some(pick(&profile.given_name, first)),
        Some(pick(&profile.surname, last)),
    )
}
