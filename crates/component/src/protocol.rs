//! The `host-protocol` interface over `verdict_core::policy_flags`.

use crate::Component;
use crate::bindings::exports::verdict::policy::host_protocol as wit;
use crate::bindings::exports::verdict::policy::types;
use verdict_core::policy_flags::{self, PolicyPlan};

impl wit::Guest for Component {
    fn parse_policy_flags(values: Vec<String>) -> Result<wit::PolicyPlan, types::Error> {
        crate::guard();
        match policy_flags::plan(&values) {
            Ok(PolicyPlan::Disabled { spec }) => Ok(wit::PolicyPlan::Disabled(spec)),
            Ok(PolicyPlan::Sets { reset, sets }) => {
                Ok(wit::PolicyPlan::Sets(wit::PolicySets { reset, sets }))
            }
            Err(e) => Err(types::Error {
                code: types::ErrorCode::InvalidRequest,
                message: e.0,
            }),
        }
    }
}
