/**
 * Stand-ins for the app's database and mailer: they log what a real one would do, so the example
 * runs anywhere. Swap them for your own.
 */
export interface User {
  email: string;
  name: string;
}

export const db = {
  async loadUser({ email }: { email: string }): Promise<User> {
    console.log(`[db] load user ${email}`);
    return { email, name: email.split("@")[0] ?? email };
  },
};

export async function sendWelcomeEmail({ email, name }: User): Promise<{ sent: string }> {
  console.log(`[mail] welcome email to ${name} <${email}>`);
  return { sent: "welcome" };
}

export async function sendReminderEmail({ email, name }: User): Promise<{ sent: string }> {
  console.log(`[mail] reminder email to ${name} <${email}>`);
  return { sent: "reminder" };
}
