//! Closed vocabularies (needs, key stages, registration types, …).
//!
//! Every vocabulary is an enum that never fails to deserialize: a value outside the
//! vocabulary becomes `Unknown(String)`, so validation can report *every* bad value in a
//! file at once, with its location and a did-you-mean, instead of stopping at the first.

/// Defines a vocabulary enum: `(Variant, "key", "Human label")`.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $( ($variant:ident, $key:literal, $label:literal) ),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $variant, )+
            /// A value outside the vocabulary, kept so validation can report it.
            Unknown(String),
        }

        impl $name {
            /// Every known value, in display order.
            pub const ALL: &'static [$name] = &[ $( $name::$variant ),+ ];
            /// Every known key, in display order.
            pub const KEYS: &'static [&'static str] = &[ $( $key ),+ ];

            /// The key written in records (`"ebsa_anxiety"`).
            pub fn key(&self) -> &str {
                match self { $( $name::$variant => $key, )+ $name::Unknown(s) => s.as_str() }
            }

            /// The label shown to readers (`"Anxiety and school avoidance (EBSA)"`).
            pub fn label(&self) -> &str {
                match self { $( $name::$variant => $label, )+ $name::Unknown(s) => s.as_str() }
            }

            /// Parses a key; unknown keys become `Unknown`.
            pub fn from_key(s: &str) -> Self {
                match s { $( $key => $name::$variant, )+ other => $name::Unknown(other.to_string()) }
            }

            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Unknown(_))
            }

            /// A URL-safe slug of the key (`"ebsa-anxiety"`).
            pub fn slug(&self) -> String {
                crate::model::slug::slugify(self.key())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.key())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Ok($name::from_key(&s))
            }
        }

        impl crate::model::vocab::Vocabulary for $name {
            fn keys() -> &'static [&'static str] { Self::KEYS }
            fn unknown(&self) -> Option<&str> {
                match self { $name::Unknown(s) => Some(s.as_str()), _ => None }
            }
            fn what() -> &'static str { stringify!($name) }
        }
    };
}

/// What validation needs to know of any vocabulary.
pub trait Vocabulary {
    fn keys() -> &'static [&'static str];
    fn unknown(&self) -> Option<&str>;
    fn what() -> &'static str;
}

vocabulary!(
    /// ORUK service status.
    ServiceStatus {
        (Active, "active", "Active"),
        (Inactive, "inactive", "Inactive"),
        (Defunct, "defunct", "Closed"),
        (TemporarilyClosed, "temporarily closed", "Temporarily closed"),
    }
);

vocabulary!(
    /// How the provider is registered (DfE / GIAS establishment types, plus non-school AP).
    RegistrationType {
        (Pru, "pru", "Pupil referral unit (short stay school)"),
        (ApAcademy, "ap_academy", "Alternative provision academy"),
        (ApFreeSchool, "ap_free_school", "Alternative provision free school"),
        (IndependentSchool, "independent_school", "Independent school"),
        (MaintainedSchool, "maintained_school", "Maintained school"),
        (SpecialSchool, "special_school", "Special school"),
        (FeCollege, "fe_college", "Further education college"),
        (RegisteredProviderUkprn, "registered_provider_ukprn", "Registered provider (UKPRN)"),
        (OnlineAccredited, "online_accredited", "Accredited online education provider"),
        (HospitalSchool, "hospital_school", "Hospital school"),
        (NonSchool, "non_school", "Non-school (unregistered) provider"),
    }
);

impl RegistrationType {
    /// Types that are schools registered with DfE and must carry a URN.
    pub fn needs_urn(&self) -> bool {
        matches!(
            self,
            Self::Pru
                | Self::ApAcademy
                | Self::ApFreeSchool
                | Self::IndependentSchool
                | Self::MaintainedSchool
                | Self::SpecialSchool
                | Self::HospitalSchool
        )
    }
    /// Registered providers identified by UKPRN (a URN is also accepted).
    pub fn needs_ukprn(&self) -> bool {
        matches!(self, Self::FeCollege | Self::RegisteredProviderUkprn | Self::OnlineAccredited)
    }
    pub fn is_registered(&self) -> bool {
        self.needs_urn() || self.needs_ukprn()
    }
}

vocabulary!(
    /// AP census "type of setting" for placements without a URN or UKPRN.
    ApCensusSetting {
        (Nfe, "NFE", "Non-maintained further education"),
        (Oot, "OOT", "One-to-one tuition"),
        (Oth, "OTH", "Other unregistered provider"),
        (Wbp, "WBP", "Work-based placement"),
    }
);

vocabulary!(
    InspectionBody {
        (Ofsted, "Ofsted", "Ofsted"),
        (Isi, "ISI", "Independent Schools Inspectorate"),
        (None, "none", "Not inspected"),
    }
);

vocabulary!(
    InspectionFramework {
        (EifLegacy, "eif_legacy", "Single-word judgement (before November 2025)"),
        (ReportCard2025, "report_card_2025", "Report card (from November 2025)"),
        (None, "none", "None"),
    }
);

vocabulary!(
    LegacyGrade {
        (Outstanding, "outstanding", "Outstanding"),
        (Good, "good", "Good"),
        (RequiresImprovement, "requires_improvement", "Requires improvement"),
        (Inadequate, "inadequate", "Inadequate"),
    }
);

vocabulary!(
    ReportCardGrade {
        (Exceptional, "exceptional", "Exceptional"),
        (StrongStandard, "strong_standard", "Strong standard"),
        (ExpectedStandard, "expected_standard", "Expected standard"),
        (NeedsAttention, "needs_attention", "Needs attention"),
        (UrgentImprovement, "urgent_improvement", "Urgent improvement"),
    }
);

vocabulary!(
    /// Report card evaluation areas.
    EvaluationArea {
        (Inclusion, "inclusion", "Inclusion"),
        (CurriculumAndTeaching, "curriculum_and_teaching", "Curriculum and teaching"),
        (Achievement, "achievement", "Achievement"),
        (AttendanceAndBehaviour, "attendance_and_behaviour", "Attendance and behaviour"),
        (PersonalDevelopment, "personal_development_and_wellbeing", "Personal development and well-being"),
        (LeadershipAndGovernance, "leadership_and_governance", "Leadership and governance"),
        (EarlyYears, "early_years", "Early years"),
        (SixthForm, "sixth_form", "Sixth form"),
    }
);

vocabulary!(
    MetOrNotMet {
        (Met, "met", "Met"),
        (NotMet, "not_met", "Not met"),
    }
);

vocabulary!(
    /// The authority's quality-assurance list status.
    ListStatus {
        (Approved, "approved", "Approved"),
        (ApprovedWithConditions, "approved_with_conditions", "Approved with conditions"),
        (UnderReview, "under_review", "Under review"),
        (Suspended, "suspended", "Suspended"),
        (Removed, "removed", "Removed from the list"),
        (NotAssessed, "not_assessed", "Not yet assessed"),
    }
);

vocabulary!(
    ListRoute {
        (Framework, "framework", "Framework (call-off) provider"),
        (SpotPurchase, "spot_purchase", "Spot purchase"),
        (DirectoryOnly, "directory_only", "Listed in the directory only"),
    }
);

vocabulary!(
    VisitOutcome {
        (MeetsStandards, "meets_standards", "Meets the standards"),
        (ActionsRequired, "actions_required", "Actions required"),
        (DoesNotMeet, "does_not_meet", "Does not meet the standards"),
    }
);

vocabulary!(
    StandardResult {
        (Met, "met", "Met"),
        (PartlyMet, "partly_met", "Partly met"),
        (NotMet, "not_met", "Not met"),
        (NotAssessed, "not_assessed", "Not assessed"),
    }
);

vocabulary!(
    /// The four areas of the DfE voluntary national standards for non-school AP.
    Standard {
        (Safeguarding, "safeguarding", "Safeguarding and welfare"),
        (HealthAndSafety, "health_and_safety", "Health and safety"),
        (AdmissionsSupport, "admissions_support", "Admissions, support and guidance"),
        (EducationQuality, "education_quality", "Quality of education"),
    }
);

vocabulary!(
    /// Needs a provider meets. SEN names follow DfE primary-need codes; EBSA is local practice.
    Need {
        (Semh, "semh", "Social, emotional and mental health (SEMH)"),
        (EbsaAnxiety, "ebsa_anxiety", "Anxiety and school avoidance (EBSA)"),
        (MedicalPhysical, "medical_physical", "Medical needs (physical health)"),
        (MedicalMentalHealth, "medical_mental_health", "Medical needs (mental health)"),
        (Asd, "asd", "Autism"),
        (Slcn, "slcn", "Speech, language and communication needs"),
        (Mld, "mld", "Moderate learning difficulty"),
        (Spld, "spld", "Specific learning difficulty"),
        (SendEhcp, "send_ehcp", "SEND with an education, health and care plan"),
        (Pex, "pex", "Permanently excluded"),
        (AtRiskOfExclusion, "at_risk_of_exclusion", "At risk of exclusion"),
        (YoungParent, "young_parent", "Young parents and pregnant pupils"),
        (YouthJustice, "youth_justice", "Involved with youth justice"),
        (NewArrival, "new_arrival", "New arrivals"),
    }
);

vocabulary!(
    KeyStage {
        (Ks1, "KS1", "Key stage 1 (ages 5 to 7)"),
        (Ks2, "KS2", "Key stage 2 (ages 7 to 11)"),
        (Ks3, "KS3", "Key stage 3 (ages 11 to 14)"),
        (Ks4, "KS4", "Key stage 4 (ages 14 to 16)"),
        (Ks5, "KS5", "Post-16 (ages 16 to 19)"),
    }
);

vocabulary!(
    Pattern {
        (FullTime, "full_time", "Full time"),
        (PartTime, "part_time", "Part time"),
        (Sessional, "sessional", "Sessions"),
        (Outreach, "outreach", "Outreach in the pupil's school"),
    }
);

vocabulary!(
    Delivery {
        (InPerson, "in_person", "In person"),
        (Online, "online", "Online"),
        (Hybrid, "hybrid", "In person and online"),
        (Home, "home", "In the pupil's home"),
    }
);

vocabulary!(
    ReferralRoute {
        (SchoolDirect, "school_direct", "Schools refer directly"),
        (LaPanel, "la_panel", "Through the authority's AP panel"),
        (InclusionHub, "inclusion_hub", "Through the inclusion hub"),
        (HealthReferral, "health_referral", "Referral from a health professional"),
        (SelfReferral, "self_referral", "Families can refer themselves"),
        (SocialCare, "social_care", "Referral from children's social care"),
    }
);

vocabulary!(
    CostOptionKind {
        (PerSession, "per_session", "per session"),
        (PerDay, "per_day", "per day"),
        (PerWeek, "per_week", "per week"),
        (PerTerm, "per_term", "per term"),
        (PerPlacePerYear, "per_place_per_year", "per place per year"),
        (PerHour, "per_hour", "per hour"),
    }
);

vocabulary!(
    LegalStatus {
        (LaMaintained, "la_maintained", "Maintained by the local authority"),
        (AcademyTrust, "academy_trust", "Academy trust"),
        (Company, "company", "Company"),
        (Cic, "cic", "Community interest company"),
        (Charity, "charity", "Charity"),
        (FeCorporation, "fe_corporation", "Further education corporation"),
        (SoleTrader, "sole_trader", "Sole trader"),
        (NhsTrust, "nhs_trust", "NHS trust"),
    }
);

vocabulary!(
    /// Who a guide page is written for.
    Audience {
        (Schools, "schools", "Schools"),
        (Parents, "parents", "Parents and carers"),
        (Providers, "providers", "Providers"),
        (La, "la", "The local authority"),
    }
);
