//! Renders the rule tables: the policy matrix and `explain`.
