//! Tables of the ledgers area: ledger types, entries and chain heads, households, visits.

diesel::table! {
    ledger_types (id) {
        id -> Text,
        jurisdiction_id -> Text,
        path -> Text,
        code -> Text,
        name -> Text,
        entry_kinds -> Text,
        allows_manual -> Bool,
        clearance_item_id -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    ledger_entries (id) {
        id -> Text,
        community_id -> Text,
        path -> Text,
        seq -> BigInt,
        entry_kind -> Text,
        source_type -> Text,
        source_id -> Text,
        occurred_at -> Timestamp,
        payload -> Text,
        manual -> Bool,
        prev_hash -> Text,
        hash -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    ledger_heads (community_id) {
        community_id -> Text,
        seq -> BigInt,
        hash -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    households (id) {
        id -> Text,
        jurisdiction_id -> Text,
        path -> Text,
        community_id -> Text,
        address -> Text,
        size -> Integer,
        tags -> Text,
        head_name -> Text,
        head_phone -> Nullable<Text>,
        worker_id -> Nullable<Text>,
        assigned_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    visits (id) {
        id -> Text,
        household_id -> Text,
        worker_id -> Text,
        community_id -> Text,
        path -> Text,
        visited_on -> Text,
        notes -> Text,
        problems -> Text,
        satisfaction -> Nullable<Integer>,
        request_id -> Nullable<Text>,
        ledger_seq -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::joinable!(visits -> households (household_id));

diesel::allow_tables_to_appear_in_same_query!(ledger_types, ledger_entries, ledger_heads, households, visits);
