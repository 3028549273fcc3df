// CPU profile of a measured window only (not start-up), via the inspector in this process.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";

export async function startProfile() {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 200 });
  await session.post("Profiler.start");
  return async (file) => {
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}

/**
 * In an app child: let the parent profile this process over the measured window, over IPC:
 * {kind:"profile-start"}, then {kind:"profile-stop", file}, answered by {kind:"profile-saved"}.
 */
export function answerProfileRequests() {
  let stopProfile;
  process.on("message", async (m) => {
    if (m?.kind === "profile-start") stopProfile = await startProfile();
    if (m?.kind === "profile-stop") {
      await stopProfile?.(m.file);
      process.send?.({ kind: "profile-saved", k: m.file });
    }
  });
}
