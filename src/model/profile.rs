//! The audience a build is for.

/// Which audience a build is for. Decided once, before rendering: the view models
/// (`render::view`, via `crate::internal`) are the only place that reads it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// The published site for schools and families (the default).
    #[default]
    Public,
    /// The AP team's site: adds `[internal]` notes, raw figures and the QA dashboard.
    Internal,
}

impl Profile {
    pub fn parse(s: &str) -> Option<Profile> {
        match s {
            "public" => Some(Profile::Public),
            "internal" => Some(Profile::Internal),
            _ => None,
        }
    }
    pub fn is_internal(self) -> bool {
        self == Profile::Internal
    }
}
