//! Tables of the social-organisations area (社会组织); see the migration `2026-11-23-000300_organisations`.

diesel::table! {
    organisations (id) {
        id -> Text,
        name -> Text,
        kind -> Text,
        registration_status -> Text,
        credit_code -> Nullable<Text>,
        status -> Text,
        service_areas -> Text,
        party_branch -> Bool,
        party_branch_name -> Nullable<Text>,
        contact_name -> Text,
        contact_phone -> Text,
        jurisdiction_id -> Text,
        path -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    organisation_communities (id) {
        id -> Text,
        organisation_id -> Text,
        jurisdiction_id -> Text,
        path -> Text,
    }
}

diesel::table! {
    organisation_versions (id) {
        id -> Text,
        organisation_id -> Text,
        version -> Integer,
        snapshot -> Text,
        actor_id -> Text,
        reason -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    organisation_changes (id) {
        id -> Text,
        organisation_id -> Text,
        path -> Text,
        proposed -> Text,
        status -> Text,
        submitted_by -> Text,
        submitted_at -> Timestamp,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    incubation_bases (id) {
        id -> Text,
        name -> Text,
        address -> Text,
        capacity -> Nullable<Integer>,
        jurisdiction_id -> Text,
        path -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    residencies (id) {
        id -> Text,
        base_id -> Text,
        organisation_id -> Text,
        path -> Text,
        entered_on -> Text,
        support -> Text,
        graduated_on -> Nullable<Text>,
        graduation_note -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    venture_calls (id) {
        id -> Text,
        title -> Text,
        eligibility -> Text,
        budget_cents -> BigInt,
        awarded_cents -> BigInt,
        deadline -> Timestamp,
        status -> Text,
        jurisdiction_id -> Text,
        path -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    venture_applications (id) {
        id -> Text,
        call_id -> Text,
        organisation_id -> Text,
        path -> Text,
        title -> Text,
        summary -> Text,
        requested_cents -> BigInt,
        status -> Text,
        submitted_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    venture_scores (id) {
        id -> Text,
        application_id -> Text,
        reviewer_id -> Text,
        score -> Integer,
        comment -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    venture_projects (id) {
        id -> Text,
        call_id -> Text,
        application_id -> Text,
        organisation_id -> Text,
        path -> Text,
        title -> Text,
        amount_cents -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    milestones (id) {
        id -> Text,
        parent_id -> Text,
        title -> Text,
        due_on -> Text,
        completed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    project_reports (id) {
        id -> Text,
        project_id -> Text,
        summary -> Text,
        submitted_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    project_beneficiaries (id) {
        id -> Text,
        report_id -> Text,
        project_id -> Text,
        beneficiary_group -> Text,
        people -> Integer,
    }
}

diesel::table! {
    service_contracts (id) {
        id -> Text,
        department_id -> Text,
        organisation_id -> Text,
        jurisdiction_id -> Text,
        path -> Text,
        title -> Text,
        deliverables -> Text,
        amount_cents -> BigInt,
        paid_cents -> BigInt,
        starts_on -> Text,
        ends_on -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    contract_payments (id) {
        id -> Text,
        contract_id -> Text,
        amount_cents -> BigInt,
        paid_on -> Text,
        note -> Nullable<Text>,
        recorded_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    volunteers (id) {
        id -> Text,
        name -> Text,
        phone -> Text,
        jurisdiction_id -> Text,
        path -> Text,
        organisation_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    volunteer_activities (id) {
        id -> Text,
        organisation_id -> Text,
        jurisdiction_id -> Text,
        path -> Text,
        title -> Text,
        activity_kind -> Text,
        held_on -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    volunteer_hours (id) {
        id -> Text,
        activity_id -> Text,
        volunteer_id -> Text,
        organisation_id -> Text,
        path -> Text,
        activity_kind -> Text,
        day -> Text,
        minutes -> Integer,
        status -> Text,
        points -> Nullable<BigInt>,
        submitted_by -> Text,
        created_at -> Timestamp,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    points_rules (id) {
        id -> Text,
        jurisdiction_id -> Text,
        path -> Text,
        activity_kind -> Text,
        basis -> Text,
        points -> Integer,
        daily_cap -> Nullable<Integer>,
        active -> Bool,
        created_at -> Timestamp,
        retired_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    points_ledger (id) {
        id -> Text,
        volunteer_id -> Text,
        path -> Text,
        delta -> BigInt,
        reason -> Text,
        hours_id -> Nullable<Text>,
        note -> Nullable<Text>,
        actor_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    social_workers (id) {
        id -> Text,
        name -> Text,
        level -> Text,
        certificate_no -> Text,
        jurisdiction_id -> Text,
        path -> Text,
        organisation_id -> Nullable<Text>,
        certified_on -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(organisation_communities -> organisations (organisation_id));
diesel::joinable!(organisation_versions -> organisations (organisation_id));
diesel::joinable!(organisation_changes -> organisations (organisation_id));
diesel::joinable!(residencies -> incubation_bases (base_id));
diesel::joinable!(venture_applications -> venture_calls (call_id));
diesel::joinable!(venture_scores -> venture_applications (application_id));
diesel::joinable!(project_reports -> venture_projects (project_id));
diesel::joinable!(project_beneficiaries -> project_reports (report_id));
diesel::joinable!(contract_payments -> service_contracts (contract_id));
diesel::joinable!(volunteer_hours -> volunteer_activities (activity_id));
diesel::joinable!(points_ledger -> volunteers (volunteer_id));

diesel::allow_tables_to_appear_in_same_query!(
    organisations,
    organisation_communities,
    organisation_versions,
    organisation_changes,
    incubation_bases,
    residencies,
    venture_calls,
    venture_applications,
    venture_scores,
    venture_projects,
    milestones,
    project_reports,
    project_beneficiaries,
    service_contracts,
    contract_payments,
    volunteers,
    volunteer_activities,
    volunteer_hours,
    points_rules,
    points_ledger,
    social_workers,
);
