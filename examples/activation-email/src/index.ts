import { EventSchemas, Weft } from "@weft/sdk";
import { db, sendReminderEmail, sendWelcomeEmail } from "./services.js";

type Events = {
  "app/user.created": { data: { user: { id: string } }; user: { email: string } };
  "app/post.created": { data: { user: { id: string }; title?: string } };
};

export const weft = new Weft({ id: "my-app", schemas: new EventSchemas().fromRecord<Events>() });

/** Welcome a new user; if they have not posted within the wait, remind them. */
export const activationEmail = weft.createFunction({ id: "activation-email" }, { event: "app/user.created" }, async ({ event, step }) => {
  const user = await step.run("load-user", () => db.loadUser({ email: event.user.email }));
  await step.run("send-welcome-email", () => sendWelcomeEmail({ email: user.email, name: user.name }));
  const postCreated = await step.waitForEvent("wait-for-post-creation", {
    event: "app/post.created",
    match: "data.user.id",
    timeout: process.env.ACTIVATION_TIMEOUT ?? "24h",
  });
  if (!postCreated) {
    await step.run("send-reminder-email", () => sendReminderEmail({ email: event.user.email, name: user.name }));
    return { reminded: true };
  }
  return { reminded: false, post: postCreated.data.title ?? null };
});

export const functions = [activationEmail];
