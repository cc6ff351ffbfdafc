//! The conformance suite: every contract test below runs once against SQLite and once against Postgres,
//! as `sqlite::<name>` and `postgres::<name>`. A contract is a plain async function taking a [`Kind`];
//! backend differences live in `ledgerdesk_conformance` (the test support), never in the contracts.

mod batch;
mod crashes;
mod credits;
mod documents;
mod dropped;
mod exports;
mod fixtures;
mod idempotency;
mod identity;
mod inbound;
mod licenses;
mod mistakes;
mod money;
mod numbering;
mod outbound;
mod processes;
mod reservations;
mod restart;
mod schema;
mod trail;

/// Stamps out one `#[tokio::test]` per contract and backend.
macro_rules! conformance {
    ($($module:ident :: $contract:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $contract() {
                    crate::$module::$contract(ledgerdesk_conformance::Kind::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $contract() {
                    crate::$module::$contract(ledgerdesk_conformance::Kind::Postgres).await;
                }
            )*
        }
    };
}

conformance! {
    batch::a_batch_numbers_in_order_and_a_bad_item_consumes_no_number,
    batch::a_batch_run_again_with_its_keys_issues_only_what_is_missing,
    batch::batches_and_single_issues_interleave_gaplessly,
    crashes::issuing_processes_killed_at_random_lose_nothing_and_repeat_nothing,
    credits::full_and_partial_credits_take_back_exactly_the_invoice,
    credits::credits_keep_to_their_series_and_dates,
    credits::sixteen_concurrent_credits_never_exceed_the_invoice,
    credits::the_list_filters_by_credit_status,
    credits::credits_by_amount_per_rate_never_exceed_the_rate,
    documents::a_reprint_is_the_first_print_after_the_details_change,
    documents::first_prints_from_two_desktops_at_once_fix_one_document,
    documents::the_database_keeps_a_fixed_document_as_written,
    documents::a_print_that_differs_from_the_first_is_refused,
    documents::document_details_are_checked_before_anything_is_written,
    trail::sixteen_concurrent_writers_leave_one_unbroken_chain,
    trail::the_app_cannot_change_the_trail,
    trail::the_head_moves_several_steps_only_onto_entries_that_follow_it,
    trail::tampering_behind_the_apps_back_is_found,
    exports::only_the_workflows_steps_are_taken,
    exports::four_eyes_hold_even_against_the_database,
    exports::two_approvers_are_needed_above_the_amount,
    exports::a_change_after_approval_sends_it_back_to_review,
    exports::an_approval_past_its_lapse_is_refused,
    exports::posting_twice_writes_one_file,
    exports::a_post_killed_midway_leaves_no_partial_file,
    exports::reordered_rows_diff_to_nothing,
    exports::a_rollback_needs_another_persons_approval,
    exports::an_incomplete_period_is_rejected_and_revised,
    exports::concurrent_approvals_on_one_version_have_one_winner,
    numbering::gapless_under_32_concurrent_issuers,
    numbering::failed_issue_consumes_no_number,
    numbering::each_period_and_tenant_has_its_own_counter,
    numbering::issue_dates_follow_numbers,
    numbering::waits_for_a_held_lock_then_issues,
    numbering::gives_up_with_contention_after_bounded_retries,
    numbering::overlapping_templates_are_refused_without_consuming_a_number,
    processes::four_cli_processes_issue_into_one_database,
    processes::four_processes_with_one_key_take_effect_once,
    reservations::released_numbers_are_voided_never_silent_gaps,
    reservations::reserved_numbers_obey_their_block_period_and_dates,
    reservations::reservations_issues_and_releases_racing_keep_the_audit_clean,
    money::stored_amounts_follow_the_rounding_rule,
    money::bad_input_is_refused_and_writes_nothing,
    money::list_pages_newest_first,
    schema::migrations_rerun_cleanly_and_refuse_a_changed_one,
    schema::issued_invoices_cannot_be_deleted_or_rewritten,
    schema::master_data_creation_is_idempotent,
    identity::each_role_does_what_its_table_allows_and_nothing_more,
    identity::a_write_names_the_signed_in_person_whatever_the_request_claims,
    idempotency::fifty_identical_requests_take_effect_once,
    idempotency::a_key_is_scoped_and_refuses_other_arguments,
    idempotency::validation_errors_are_not_stored_outcomes_are,
    idempotency::a_killed_holder_is_recovered_after_its_lease,
    idempotency::a_stale_holder_cannot_commit_after_a_takeover,
    idempotency::expired_records_are_purged_in_batches,
    licenses::thirty_two_concurrent_assigns_leave_one_active,
    licenses::concurrent_changes_on_one_version_have_one_winner,
    licenses::transitions_and_expiry_follow_the_rules,
    licenses::a_batch_reports_each_item_and_replays_with_its_key,
    mistakes::a_missing_book_is_refused_and_nothing_is_created,
    mistakes::reads_never_wait_for_a_writer,
    mistakes::dates_outside_the_books_are_refused_before_any_number,
    mistakes::series_that_could_collide_are_refused,
    mistakes::series_retire_and_change_template_from_the_next_period,
    mistakes::control_characters_and_long_text_are_refused,
    mistakes::a_lookup_that_fails_does_not_stick_to_its_key,
    inbound::twenty_concurrent_deliveries_record_one_payment,
    inbound::hostile_requests_are_refused_recorded_and_never_applied,
    inbound::payments_add_up_and_a_failed_event_is_applied_again,
    inbound::a_credited_invoice_owes_only_what_its_credit_notes_left,
    outbound::a_change_writes_its_event_in_its_own_transaction,
    outbound::a_failing_endpoint_is_retried_under_one_webhook_id,
    outbound::an_endpoint_that_keeps_failing_is_given_up_then_redelivered,
    outbound::gone_disables_the_endpoint_until_it_is_enabled,
    outbound::a_rotated_secret_signs_beside_the_old_one,
    outbound::two_worker_processes_lose_nothing_when_one_is_killed,
}

/// Postgres alone: a SQLite book has no server to restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_restarted_during_a_run_is_waited_out() {
    restart::a_restarted_server_is_waited_out_and_nothing_is_issued_twice().await;
}

/// Postgres alone: a SQLite book has no connection to drop.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_dropped_connections_take_effect_exactly_once() {
    dropped::dropped_connections_take_effect_exactly_once(ledgerdesk_conformance::Kind::Postgres).await;
}

/// Postgres alone: a clerk's own `psql` session is held by grants, policies and triggers.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_a_clerk_in_psql_is_held_by_the_database() {
    identity::a_clerk_in_psql_is_held_by_the_database().await;
}

/// SQLite alone: on Postgres the server itself checks passwords.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_offline_wrong_passwords_are_refused_recorded_and_then_paused() {
    identity::offline_wrong_passwords_are_refused_recorded_and_then_paused().await;
}

/// Postgres alone, on a server of the test's own that checks passwords.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_a_new_login_signs_in_with_its_password_and_no_other() {
    identity::a_new_login_signs_in_with_its_password_and_no_other().await;
}

/// Postgres alone: TLS to a server of the test's own.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_tls_verifies_the_servers_certificate() {
    identity::tls_to_postgres_verifies_the_servers_certificate().await;
}

/// Postgres alone: TLS or not to servers of the test's own on this machine.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_this_machine_is_reached_without_tls_unless_asked() {
    identity::a_server_on_this_machine_is_reached_without_tls_unless_asked().await;
}
