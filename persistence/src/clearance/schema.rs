//! Clearance tables (准入清单): applications and their versions and events, assignments, refused
//! attempts, entrustment agreements with items and payments, signboards, seal uses, settings and
//! burden baselines. Dates are ISO `YYYY-MM-DD` text.

diesel::table! {
    clearance_applications (id) {
        id -> Text,
        department_id -> Text,
        jurisdiction_id -> Text,
        path -> Text,
        status -> Text,
        version -> Integer,
        title -> Text,
        kind -> Text,
        list -> Text,
        valid_from -> Text,
        valid_until -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    clearance_application_versions (application_id, version) {
        application_id -> Text,
        version -> Integer,
        jurisdiction_id -> Text,
        title -> Text,
        description -> Nullable<Text>,
        kind -> Text,
        list -> Text,
        legal_basis_kind -> Text,
        legal_basis_reference -> Text,
        frequency -> Text,
        funding_amount_cents -> Nullable<BigInt>,
        funding_unit -> Nullable<Text>,
        valid_from -> Text,
        valid_until -> Text,
        submitted_by -> Text,
        submitted_at -> Timestamp,
    }
}

diesel::table! {
    clearance_application_events (id) {
        id -> Text,
        application_id -> Text,
        version -> Integer,
        action -> Text,
        from_status -> Nullable<Text>,
        to_status -> Text,
        reason -> Nullable<Text>,
        actor_id -> Nullable<Text>,
        actor_role -> Nullable<Text>,
        at -> Timestamp,
    }
}

diesel::table! {
    clearance_assignments (id) {
        id -> Text,
        batch_id -> Text,
        application_id -> Text,
        department_id -> Text,
        community_id -> Text,
        path -> Text,
        kind -> Text,
        title -> Text,
        description -> Nullable<Text>,
        due_on -> Nullable<Text>,
        status -> Text,
        reason -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        answered_by -> Nullable<Text>,
        answered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    clearance_unadmitted_attempts (id) {
        id -> Text,
        department_id -> Text,
        path -> Text,
        application_id -> Nullable<Text>,
        kind -> Text,
        title -> Text,
        community_ids -> Text,
        code -> Text,
        message -> Text,
        actor_id -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    clearance_agreements (id) {
        id -> Text,
        principal_department_id -> Nullable<Text>,
        principal_jurisdiction_id -> Text,
        community_id -> Text,
        path -> Text,
        counterparty -> Text,
        title -> Text,
        amount_cents -> BigInt,
        valid_from -> Text,
        valid_until -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    clearance_agreement_items (agreement_id, application_id) {
        agreement_id -> Text,
        application_id -> Text,
    }
}

diesel::table! {
    clearance_agreement_payments (id) {
        id -> Text,
        agreement_id -> Text,
        amount_cents -> BigInt,
        paid_on -> Text,
        note -> Nullable<Text>,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    clearance_signboards (id) {
        id -> Text,
        community_id -> Text,
        path -> Text,
        application_id -> Text,
        placement -> Text,
        name -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        removed_by -> Nullable<Text>,
        removed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    clearance_seal_uses (id) {
        id -> Text,
        community_id -> Text,
        path -> Text,
        application_id -> Text,
        used_on -> Text,
        purpose -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    clearance_settings (jurisdiction_id) {
        jurisdiction_id -> Text,
        path -> Text,
        outside_signboard_limit -> Integer,
        updated_by -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    clearance_baselines (id) {
        id -> Text,
        jurisdiction_id -> Text,
        path -> Text,
        kind -> Text,
        item_count -> Integer,
        note -> Nullable<Text>,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::joinable!(clearance_application_versions -> clearance_applications (application_id));
diesel::joinable!(clearance_application_events -> clearance_applications (application_id));
diesel::joinable!(clearance_assignments -> clearance_applications (application_id));
diesel::joinable!(clearance_agreement_items -> clearance_agreements (agreement_id));
diesel::joinable!(clearance_agreement_payments -> clearance_agreements (agreement_id));

diesel::allow_tables_to_appear_in_same_query!(
    clearance_applications,
    clearance_application_versions,
    clearance_application_events,
    clearance_assignments,
    clearance_unadmitted_attempts,
    clearance_agreements,
    clearance_agreement_items,
    clearance_agreement_payments,
    clearance_signboards,
    clearance_seal_uses,
    clearance_settings,
    clearance_baselines,
);
