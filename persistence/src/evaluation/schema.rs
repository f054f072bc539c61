//! Tables of evaluation (双评议, 双向评估).

diesel::table! {
    evaluation_campaigns (id) {
        id -> Text,
        name -> Text,
        jurisdiction_id -> Text,
        path -> Text,
        kinds -> Text,
        period_start -> Text,
        period_end -> Text,
        state -> Text,
        questionnaire -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        opened_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        published_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    evaluation_imports (id) {
        id -> Text,
        campaign_id -> Text,
        path -> Text,
        imported_by -> Text,
        row_count -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    evaluation_responses (id) {
        id -> Text,
        campaign_id -> Text,
        jurisdiction_id -> Text,
        path -> Text,
        household_key -> Text,
        source -> Text,
        import_id -> Nullable<Text>,
        answers -> Text,
        suggestion -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    evaluation_department_scores (id) {
        id -> Text,
        campaign_id -> Text,
        jurisdiction_id -> Text,
        path -> Text,
        department_id -> Text,
        scored_by -> Text,
        scores -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    evaluation_agreement_ratings (id) {
        id -> Text,
        campaign_id -> Text,
        agreement_id -> Text,
        side -> Text,
        jurisdiction_id -> Text,
        path -> Text,
        rated_by -> Text,
        scores -> Text,
        comment -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(evaluation_agreement_ratings -> evaluation_campaigns (campaign_id));
diesel::joinable!(evaluation_imports -> evaluation_campaigns (campaign_id));
diesel::joinable!(evaluation_responses -> evaluation_campaigns (campaign_id));
diesel::joinable!(evaluation_department_scores -> evaluation_campaigns (campaign_id));

diesel::allow_tables_to_appear_in_same_query!(
    evaluation_campaigns,
    evaluation_imports,
    evaluation_responses,
    evaluation_department_scores,
    evaluation_agreement_ratings
);
