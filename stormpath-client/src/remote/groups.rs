//! [`Groups`] over REST: `GET {acct}/groups` (all pages), groups found by name in the
//! application (`GET {app}/groups?name=`) or created in its default group store, and
//! `/groupMemberships` (rest-api §5.6).

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::json;

use super::{RemoteBackend, wire::MembershipDoc};
use crate::{AccountId, Error, Group, GroupStatus, Groups, Result};

impl RemoteBackend {
    /// The application's group of this exact name (the search is case-insensitive with
    /// wildcards).
    async fn find_group(&self, name: &str) -> Result<Option<Group>> {
        let http = self.http();
        let groups: Vec<Group> = http
            .all(
                &format!("{}/groups", self.app_href()),
                &[("name".to_owned(), name.to_owned())],
            )
            .await?;
        let mut found = None;
        for group in groups {
            if group.name == name {
                return Ok(Some(group));
            }
            if found.is_none() && group.name.eq_ignore_ascii_case(name) {
                found = Some(group);
            }
        }
        Ok(found)
    }
}

#[async_trait]
impl Groups for RemoteBackend {
    async fn groups(&self, id: &AccountId) -> Result<Vec<Group>> {
        let href = self.account_href(id).ok_or(Error::NotFound)?;
        self.http().all(&format!("{href}/groups"), &[]).await
    }

    async fn group_names(&self, id: &AccountId) -> Result<Arc<[String]>> {
        let href = self.account_href(id).ok_or(Error::NotFound)?;
        if let Some(names) = self.inner.groups.get(&href) {
            return Ok(names);
        }
        let names: Arc<[String]> = self
            .groups(id)
            .await?
            .into_iter()
            .filter(|g| g.status == GroupStatus::Enabled)
            .map(|g| g.name)
            .collect();
        self.inner.groups.insert(&href, Arc::clone(&names));
        Ok(names)
    }

    async fn ensure_group(&self, name: &str, description: Option<&str>) -> Result<Group> {
        if let Some(group) = self.find_group(name).await? {
            return Ok(group);
        }
        let http = self.http();
        let call = http
            .post(&format!("{}/groups", self.app_href()))?
            .json(&match description {
                Some(description) => json!({ "name": name, "description": description }),
                None => json!({ "name": name }),
            })?;
        match http.fetch(call).await {
            Ok(group) => Ok(group),
            // Created meanwhile by someone else.
            Err(Error::Conflict { .. }) => self.find_group(name).await?.ok_or(Error::NotFound),
            Err(err) => Err(err),
        }
    }

    async fn add_to_group(&self, id: &AccountId, group: &str) -> Result<()> {
        let href = self.account_href(id).ok_or(Error::NotFound)?;
        let group = self.find_group(group).await?.ok_or(Error::NotFound)?;
        let current = self.groups(id).await?;
        if current.iter().any(|g| g.href == group.href) {
            return Ok(());
        }
        let http = self.http();
        let call = http.post("/groupMemberships")?.json(&json!({
            "account": { "href": href },
            "group": { "href": group.href },
        }))?;
        self.inner.groups.remove(&href);
        let added = http.send(call).await?;
        self.inner.groups.remove(&href);
        match added.ok() {
            Ok(_) | Err(Error::Conflict { .. }) => Ok(()),
            Err(err) => Err(err),
        }
    }

    async fn remove_from_group(&self, id: &AccountId, group: &str) -> Result<()> {
        let href = self.account_href(id).ok_or(Error::NotFound)?;
        let http = self.http();
        let memberships: Vec<MembershipDoc> = http
            .all(
                &format!("{href}/groupMemberships"),
                &[("expand".to_owned(), "group".to_owned())],
            )
            .await?;
        self.inner.groups.remove(&href);
        for membership in memberships {
            if membership.group.name.as_deref() == Some(group) {
                let reply = http.send(http.delete(&membership.href)?).await?;
                if reply.status() != 404 {
                    reply.ok()?;
                }
            }
        }
        self.inner.groups.remove(&href);
        Ok(())
    }
}
