use crate::helpers::spawn_app;

#[tokio::test]
async fn the_demo_schedule_is_next_due_on_monday_at_nine_in_new_york() {
    let app = spawn_app().await;
    let list = app.get_json("/api/v1/schedules").await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let s = &list[0];
    assert_eq!(s["schedule"], "0 9 * * 1");
    assert_eq!(s["timezone"], "America/New_York");
    let next = chrono::DateTime::parse_from_rfc3339(s["nextRunAt"].as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc);
    let local = next.with_timezone(&chrono_tz::America::New_York);
    assert_eq!(local.format("%a %H:%M").to_string(), "Mon 09:00");
    let now = chrono::Utc::now();
    assert!(next > now && next - now <= chrono::Duration::days(7));
}

#[tokio::test]
async fn cron_preview_describes_and_lists_fire_times_across_dst() {
    let app = spawn_app().await;
    let v = app
        .get_json("/api/v1/cron/preview?expr=30%202%20*%20*%20*&timezone=America/New_York&from=2027-03-13T12:00:00Z&count=2")
        .await;
    assert_eq!(v["next"][0], "2027-03-14T07:00:00Z");
    assert_eq!(v["next"][1], "2027-03-15T06:30:00Z");
    let description = v["description"].as_str().unwrap();
    assert!(description.contains("America/New_York"), "{description}");
    assert!(!description.contains(".,"), "{description}");
}
