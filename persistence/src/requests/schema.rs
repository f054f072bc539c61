//! Tables of the requests area (诉求, 三事分流).

diesel::table! {
    responsibility_lists (id) {
        id -> Text,
        kind -> Text,
        jurisdiction_id -> Text,
        path -> Text,
        version -> Integer,
        entries -> Text,
        changes -> Text,
        note -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    services (id) {
        id -> Text,
        community_id -> Text,
        path -> Text,
        kind -> Text,
        name -> Text,
        category -> Text,
        contact_name -> Nullable<Text>,
        phone -> Text,
        description -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    requests (id) {
        id -> Text,
        path -> Text,
        community_id -> Text,
        street_id -> Text,
        category_code -> Text,
        status -> Text,
        class -> Nullable<Text>,
        department_id -> Nullable<Text>,
        deadline -> Nullable<Timestamp>,
        resident_account_id -> Nullable<Text>,
        received_at -> Timestamp,
        responded_in_time -> Nullable<Bool>,
        resolved_at -> Nullable<Timestamp>,
        resolved_on_time -> Nullable<Bool>,
        handling_seconds -> Nullable<Integer>,
        rating -> Nullable<Text>,
    }
}

diesel::table! {
    request_details (id) {
        id -> Text,
        jurisdiction_id -> Text,
        description -> Text,
        latitude -> Nullable<Double>,
        longitude -> Nullable<Double>,
        address -> Nullable<Text>,
        resident_name -> Text,
        resident_phone -> Nullable<Text>,
        filed_by -> Text,
        listing -> Text,
        flags -> Text,
        responded_at -> Nullable<Timestamp>,
        result -> Nullable<Text>,
        rating_comment -> Nullable<Text>,
        closed_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    request_departments (request_id, department_id) {
        request_id -> Text,
        department_id -> Text,
        first_at -> Timestamp,
    }
}

diesel::table! {
    request_photos (id) {
        id -> Text,
        request_id -> Text,
        sha256 -> Text,
        content_type -> Text,
        size_bytes -> Integer,
        uploaded_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    request_events (id) {
        id -> Text,
        request_id -> Text,
        at -> Timestamp,
        actor_id -> Nullable<Text>,
        actor_role -> Text,
        kind -> Text,
        data -> Text,
    }
}

diesel::table! {
    /// Daily roll-up of the measures (12345 口径日汇总), kept by triggers on `requests`.
    request_measure_days (street_id, day, community_id, class, department_id) {
        street_id -> Text,
        day -> Date,
        community_id -> Text,
        class -> Text,
        department_id -> Text,
        received -> BigInt,
        responded -> BigInt,
        resolved -> BigInt,
        resolved_on_time -> BigInt,
        rated -> BigInt,
        satisfied -> BigInt,
        handling_seconds -> BigInt,
    }
}

diesel::joinable!(request_details -> requests (id));
diesel::joinable!(request_departments -> requests (request_id));
diesel::joinable!(request_photos -> requests (request_id));
diesel::joinable!(request_events -> requests (request_id));

diesel::allow_tables_to_appear_in_same_query!(
    responsibility_lists,
    services,
    requests,
    request_details,
    request_departments,
    request_photos,
    request_events,
    request_measure_days,
);
