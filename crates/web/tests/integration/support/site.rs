//! Test sites: a contract preset or a plain project, other projects, and users with roles, their
//! tokens and sessions, built in one expression.

use std::collections::BTreeMap;

use yunwei_domain::identity::Role;

use super::{EXAMPLE_CONTRACT, TestApp};

/// A contract preset of `contracts/` by name (`seed-000` … `seed-004`, `example`).
pub fn preset(name: &str) -> &'static str {
    match name {
        "example" => EXAMPLE_CONTRACT,
        "seed-000" => include_str!("../../../../../contracts/seed-000.toml"),
        "seed-001" => include_str!("../../../../../contracts/seed-001.toml"),
        "seed-002" => include_str!("../../../../../contracts/seed-002.toml"),
        "seed-003" => include_str!("../../../../../contracts/seed-003.toml"),
        "seed-004" => include_str!("../../../../../contracts/seed-004.toml"),
        other => panic!("no preset {other} in contracts/"),
    }
}

/// How a test site is set up: a contract (a preset under a project code, or a contract's text)
/// or a plain project, other projects, and users with roles. Built by [`TestApp::site`].
#[derive(Default)]
pub struct SiteBuilder {
    preset: Option<&'static str>,
    contract: Option<String>,
    project: Option<String>,
    fields: Vec<(String, String)>,
    appended: String,
    others: Vec<String>,
    members: Vec<(String, String, Role)>,
    sysadmins: Vec<String>,
    tokens: bool,
    sessions: bool,
}

impl SiteBuilder {
    /// Applies the preset `contracts/{name}.toml` (under [`Self::project`]'s code if given).
    pub fn preset(mut self, name: &str) -> Self {
        self.preset = Some(preset(name));
        self
    }

    /// Applies this contract text as it is (its own project code).
    pub fn contract(mut self, text: &str) -> Self {
        self.contract = Some(text.to_owned());
        self
    }

    /// The code of the main project: the preset's project, or a plain project without a contract.
    pub fn project(mut self, code: &str) -> Self {
        self.project = Some(code.to_owned());
        self
    }

    /// Another `[project]` field of the preset (e.g. the hospital's name).
    pub fn field(mut self, key: &str, value: &str) -> Self {
        self.fields.push((key.to_owned(), value.to_owned()));
        self
    }

    /// TOML appended to the contract (extra sections such as monitoring rules).
    pub fn append(mut self, toml: &str) -> Self {
        self.appended.push('\n');
        self.appended.push_str(toml);
        self
    }

    /// Users granted a role in the main project.
    pub fn members(mut self, members: &[(&str, Role)]) -> Self {
        let code = self.project.clone().unwrap_or_default();
        self.members.extend(members.iter().map(|(name, role)| ((*name).to_owned(), code.clone(), *role)));
        self
    }

    /// A plain project of its own with users granted a role in it (outsiders of the main one).
    pub fn other(mut self, code: &str, members: &[(&str, Role)]) -> Self {
        self.others.push(code.to_owned());
        self.members.extend(members.iter().map(|(name, role)| ((*name).to_owned(), code.to_owned(), *role)));
        self
    }

    /// A user of each of the nine roles in the main project, named after the role's code
    /// (`admin`, `hospital_it`, `engineer` …).
    pub fn every_role(self) -> Self {
        let names: Vec<(&str, Role)> = Role::ALL.iter().map(|r| (r.code(), *r)).collect();
        self.members(&names)
    }

    /// Installation administrators: users of their own, or members named here.
    pub fn sysadmins(mut self, names: &[&str]) -> Self {
        self.sysadmins.extend(names.iter().map(|n| (*n).to_owned()));
        self
    }

    /// An API token for every member.
    pub fn tokens(mut self) -> Self {
        self.tokens = true;
        self
    }

    /// A browser session for every member.
    pub fn sessions(mut self) -> Self {
        self.sessions = true;
        self
    }

    pub async fn build(self) -> TestSite {
        let t = TestApp::new().await;
        let contract = match (self.contract, self.preset) {
            (Some(text), _) => Some(text),
            (None, Some(preset)) => {
                let mut fields: Vec<(&str, &str)> = self.fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                if let Some(code) = &self.project {
                    fields.insert(0, ("code", code.as_str()));
                }
                Some(yunwei_domain::contract::with_project_fields(preset, &fields))
            }
            (None, None) => None,
        };
        let project = match contract {
            Some(text) => {
                let text = format!("{text}{}", self.appended);
                yunwei_app::contract::apply(&t.app, None, &text).await.expect("contract");
                yunwei_domain::contract::parse(&text).expect("valid contract").project.code.as_str().to_owned()
            }
            // No project at all: installation administrators only.
            None => match self.project {
                Some(code) => {
                    t.project(&code).await;
                    code
                }
                None => String::new(),
            },
        };
        for code in &self.others {
            t.project(code).await;
        }
        let (tokens, sessions) = (self.tokens, self.sessions);
        let admins = self.sysadmins.iter().map(|name| (name.clone(), None));
        let users = self.members.into_iter().map(|(name, code, role)| (name, Some((code, role))));
        let mut members: BTreeMap<String, Member> = BTreeMap::new();
        for (name, grant) in admins.collect::<Vec<_>>().into_iter().chain(users) {
            if !members.contains_key(&name) {
                let id = t.user(&name, self.sysadmins.contains(&name)).await;
                let token = if tokens { Some(t.token(&name).await) } else { None };
                let session = if sessions { Some(t.session(id).await) } else { None };
                members.insert(name.clone(), Member { id, token, session });
            }
            if let Some((code, role)) = grant {
                let code = if code.is_empty() { project.as_str() } else { code.as_str() };
                t.grant(code, &name, role.code()).await;
            }
        }
        TestSite { t, project, members }
    }
}

/// A user of a [`TestSite`] and the handles asked for.
pub struct Member {
    pub id: i64,
    pub token: Option<String>,
    pub session: Option<(String, String)>,
}

/// The application with its projects and members set up.
pub struct TestSite {
    pub t: TestApp,
    /// The main project's code.
    pub project: String,
    pub members: BTreeMap<String, Member>,
}

impl TestSite {
    fn member(&self, name: &str) -> &Member {
        self.members.get(name).unwrap_or_else(|| panic!("no member {name} on this site"))
    }

    pub fn id(&self, name: &str) -> i64 {
        self.member(name).id
    }

    /// The API token of `name` (the builder was asked for tokens).
    pub fn token(&self, name: &str) -> String {
        self.member(name).token.clone().unwrap_or_else(|| panic!("no token for {name}: build with .tokens()"))
    }

    /// The (session, csrf) of `name` (the builder was asked for sessions).
    pub fn session(&self, name: &str) -> (String, String) {
        self.member(name).session.clone().unwrap_or_else(|| panic!("no session for {name}: build with .sessions()"))
    }
}
