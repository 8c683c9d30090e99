//! The outbox and its worker: jobs commit with the change that causes them, are claimed by one
//! worker at a time however many run, are retried with growing waits, and are left failed
//! with an error that names no one. On both engines.

use domain::organisation::IsaStanding;
use domain::role::Role;
use earlyhelp_acceptance::{MovableClock, TestApp, engines, small_county};
use std::sync::Arc;
use worker::mail::SendError;

/// Invites made-up person number `i` straight through the store, as an administrator would.
async fn invite_one(store: &store::Store, county: &county::County, i: usize) -> Result<String, store::StoreError> {
    let admin = county.staff.iter().find(|s| s.roles.contains(&Role::Administrator)).unwrap();
    let principal = policy::Principal {
        user: admin.id,
        organisation: admin.organisation,
        roles: admin.roles.clone(),
        isa: IsaStanding::Current,
        mfa_passed: true,
    };
    let permit = policy::Authority::new().unwrap().decide(&principal, policy::ManageUsers).unwrap();
    let org = county
        .organisations
        .iter()
        .find(|o| county.isa_standing(o.id) == Some(IsaStanding::Current))
        .unwrap();
    let email = domain::email::EmailAddress::parse(&format!("invitee.{i}@{}", org.secure_email_domain)).unwrap();
    let new = store::accounts::NewStaff {
        organisation_id: org.id,
        email: email.clone(),
        given_name: format!("Invitee{i}"),
        family_name: "Tester".into(),
        job_title: "Worker".into(),
        roles: vec![Role::AgencyRepresentative],
        password_hash: None,
        must_change_password: false,
    };
    store.invite_staff(&permit, &new, time::Duration::days(7)).await?;
    Ok(email.to_string())
}

/// Invites `n` made-up people; returns their addresses.
async fn invite_people(store: &store::Store, county: &county::County, n: usize) -> Vec<String> {
    let mut emails = Vec::new();
    for i in 0..n {
        emails.push(invite_one(store, county, i).await.unwrap());
    }
    emails
}

fn transient() -> SendError {
    SendError::Transient("the SMTP server refused the message for now (451)".into())
}

engines!(
    an_email_that_cannot_be_sent_is_tried_again_with_growing_waits_and_is_not_lost,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let emails = invite_people(&app.store, &app.county, 1).await;
        app.mail.fail_next([transient(), transient()]);

        assert_eq!(app.deliver_mail().await, 1);
        let job = app.store.jobs().await.unwrap().remove(0);
        assert_eq!(job.attempts, 1);
        assert_eq!(job.run_at, app.store.now() + time::Duration::seconds(30));
        assert!(job.done_at.is_none() && job.failed_at.is_none());
        assert_eq!(app.deliver_mail().await, 0, "not due again before its wait");

        app.clock.advance(time::Duration::seconds(30));
        assert_eq!(app.deliver_mail().await, 1);
        let job = app.store.jobs().await.unwrap().remove(0);
        assert_eq!(job.attempts, 2);
        assert_eq!(job.run_at, app.store.now() + time::Duration::seconds(60), "the wait doubles");
        assert!(app.mail.sent().is_empty());

        app.clock.advance(time::Duration::seconds(60));
        assert_eq!(app.deliver_mail().await, 1);
        assert_eq!(app.mail_to(&emails[0]).len(), 1, "sent once the server recovered");
        let job = app.store.jobs().await.unwrap().remove(0);
        assert!(job.done_at.is_some() && job.last_error.is_none());
    }
);

engines!(
    an_email_that_keeps_failing_is_left_failed_with_an_error_that_names_no_one,
    |db| async move {
        let app = TestApp::spawn(db).await;
        let emails = invite_people(&app.store, &app.county, 1).await;
        app.mail.fail_next(std::iter::repeat_with(transient).take(10));
        for _ in 0..10 {
            app.deliver_mail().await;
            app.clock.advance(time::Duration::hours(1));
        }
        let job = app.store.jobs().await.unwrap().remove(0);
        assert_eq!(job.attempts, 10);
        assert!(job.failed_at.is_some() && job.done_at.is_none());
        let error = job.last_error.unwrap();
        assert_eq!(error, "the SMTP server refused the message for now (451)");
        assert!(!error.contains(&emails[0]) && !error.contains("Invitee0"));
        assert_eq!(app.deliver_mail().await, 0, "a failed job is not tried again");
        assert!(app.mail.sent().is_empty());
    }
);

engines!(the_administrator_is_told_when_an_invitation_could_not_be_sent, |db| async move {
    let app = TestApp::spawn(db).await;
    let emails = invite_people(&app.store, &app.county, 1).await;
    app.mail
        .fail_next([SendError::Permanent("the SMTP server refused the message (550)".into())]);
    assert_eq!(app.deliver_mail().await, 1);
    let job = app.store.jobs().await.unwrap().remove(0);
    assert_eq!(job.attempts, 1, "a permanent refusal is not retried");
    assert!(job.failed_at.is_some());

    let admin = app.sign_in_with_second_factor(&app.staff_with_role(Role::Administrator)).await;
    let id = app
        .store
        .user_id_by_email(&domain::email::EmailAddress::parse(&emails[0]).unwrap())
        .await
        .unwrap()
        .unwrap();
    let page = admin.get(&format!("/people/{id}")).await;
    assert!(page.shows("The email could not be sent"), "{}", page.body);
    assert!(page.shows("Send a new invitation"));
});

engines!(two_workers_on_one_database_never_send_the_same_email_twice, |db| async move {
    let clock = MovableClock::new();
    let a = db.store(Arc::new(clock.clone())).await;
    let b = db.store(Arc::new(clock.clone())).await;
    let (county, spec) = small_county();
    a.load_county(&county, &spec, "hash").await.unwrap();
    let emails = invite_people(&a, &county, 12).await;

    let public = worker::PublicUrl::parse("http://127.0.0.1:8080").unwrap();
    let (mailer_a, sent_a) = worker::Mailer::memory("Early Help <early-help@northmere.example>").unwrap();
    let (mailer_b, sent_b) = worker::Mailer::memory("Early Help <early-help@northmere.example>").unwrap();
    let worker_a = worker::Worker::new(a, mailer_a, worker::Settings::new(public.clone(), "Northmere Council".into()));
    let worker_b = worker::Worker::new(b, mailer_b, worker::Settings::new(public, "Northmere Council".into()));
    let (ran_a, ran_b) = tokio::join!(worker_a.run_due(None), worker_b.run_due(None));
    assert_eq!(ran_a.unwrap() + ran_b.unwrap(), 12, "each job was run once");

    let mut to: Vec<String> = sent_a.sent().into_iter().chain(sent_b.sent()).map(|m| m.to.to_string()).collect();
    to.sort();
    let mut expected = emails.clone();
    expected.sort();
    assert_eq!(to, expected, "every invitation sent, none twice");
});

engines!(a_job_held_by_a_worker_that_died_runs_again_when_its_lease_ends, |db| async move {
    let app = TestApp::spawn(db).await;
    let emails = invite_people(&app.store, &app.county, 1).await;
    // A worker claims the job and dies before finishing it.
    let claimed = app.store.claim_due_job(time::Duration::minutes(5)).await.unwrap().unwrap();
    assert_eq!(claimed.attempt, 1);
    assert_eq!(app.deliver_mail().await, 0, "held by the claim");
    app.clock.advance(time::Duration::minutes(5));
    assert_eq!(app.deliver_mail().await, 1);
    assert_eq!(app.mail_to(&emails[0]).len(), 1);
    // The dead worker coming back to life cannot undo what the second attempt did.
    app.store.fail_job(&claimed, "stale").await.unwrap();
    assert!(app.store.jobs().await.unwrap()[0].failed_at.is_none());
});

engines!(a_job_not_yet_due_is_left_alone, |db| async move {
    let store = db.store(Arc::new(MovableClock::new())).await;
    let (county, spec) = small_county();
    store.load_county(&county, &spec, "hash").await.unwrap();
    assert!(!store.has_due_job().await.unwrap());
    assert!(store.claim_due_job(time::Duration::minutes(5)).await.unwrap().is_none());
    invite_people(&store, &county, 1).await;
    assert!(store.has_due_job().await.unwrap());
});

engines!(a_store_without_the_secrets_key_makes_no_link, |db| async move {
    // It would have to keep the link's token in the clear: refused, and nothing half-done.
    let keyless = db.store_without_secrets_key(Arc::new(MovableClock::new())).await;
    let (county, spec) = small_county();
    keyless.load_county(&county, &spec, "hash").await.unwrap();
    let err = invite_one(&keyless, &county, 0).await;
    assert!(matches!(err, Err(store::StoreError::NoSecretsKey)), "{err:?}");
    assert!(keyless.jobs().await.unwrap().is_empty());
});
