//! The portable diesel schema: the same tables on SQLite and PostgreSQL, portable SQL types only.

diesel::table! {
    jurisdictions (id) {
        id -> Text,
        parent_id -> Nullable<Text>,
        level -> Text,
        name -> Text,
        code -> Nullable<Text>,
        path -> Text,
        households -> Nullable<Integer>,
        population -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    departments (id) {
        id -> Text,
        jurisdiction_id -> Text,
        path -> Text,
        name -> Text,
        code -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    accounts (id) {
        id -> Text,
        kind -> Text,
        login -> Text,
        display_name -> Text,
        phone -> Nullable<Text>,
        secret_hash -> Text,
        role -> Text,
        jurisdiction_id -> Nullable<Text>,
        path -> Text,
        department_id -> Nullable<Text>,
        organisation_id -> Nullable<Text>,
        status -> Text,
        must_change_password -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        last_login_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Text,
        account_id -> Text,
        family_id -> Text,
        token_hash -> Text,
        issued_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        revoke_reason -> Nullable<Text>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        at -> Timestamp,
        actor_id -> Nullable<Text>,
        actor_role -> Nullable<Text>,
        action -> Text,
        target_type -> Text,
        target_id -> Nullable<Text>,
        path -> Text,
        request_id -> Text,
        detail -> Text,
    }
}

diesel::table! {
    idempotency_keys (account_id, idem_key) {
        account_id -> Text,
        idem_key -> Text,
        fingerprint -> Text,
        status -> Integer,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(departments -> jurisdictions (jurisdiction_id));
diesel::joinable!(refresh_tokens -> accounts (account_id));

diesel::allow_tables_to_appear_in_same_query!(
    jurisdictions,
    departments,
    accounts,
    refresh_tokens,
    audit_log,
    idempotency_keys,
);
