-- Mobile push devices (src/actions/push-devices.ts). A session's device_id ("apple_rn-v2:TOKEN",
-- "android_rn-v2:TOKEN", …) is where its pushes go; a device registered again moves to the new
-- session, which looks the id up across all sessions.
create index sessions_device_idx on sessions (device_id) where device_id <> '';
