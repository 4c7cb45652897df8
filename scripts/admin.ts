import { parseArgs } from "node:util";
import { createApiKey } from "../lib/auth/api-keys";
import { createUser, findUserByEmail } from "../lib/auth/users";
import { database } from "../lib/db/client";

const USAGE = `Parley operator commands:
  npm run admin -- create-user --email E --password P [--admin]
  npm run admin -- create-api-key --email E [--name N]`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      email: { type: "string" },
      password: { type: "string" },
      admin: { type: "boolean", default: false },
      name: { type: "string", default: "cli" },
    },
  });
  switch (command) {
    case "create-user": {
      if (!values.email || !values.password) return fail("create-user needs --email and --password");
      const user = await createUser({ email: values.email, password: values.password, admin: values.admin });
      console.log(`Created ${user.role} ${user.email} (${user.id})`);
      return 0;
    }
    case "create-api-key": {
      if (!values.email) return fail("create-api-key needs --email");
      const user = await findUserByEmail(values.email);
      if (!user) return fail(`No user with email ${values.email}`);
      const { key } = await createApiKey(user.id, values.name ?? "cli");
      console.log(key);
      console.error("This is the only time the key is shown. Store it safely.");
      return 0;
    }
    default:
      return fail(command ? `Unknown command "${command}"` : "No command given");
  }
}

function fail(message: string): number {
  console.error(`${message}\n\n${USAGE}`);
  return 2;
}

let code = 1;
try {
  code = await main(process.argv.slice(2));
} catch (error) {
  const issues = (error as { issues?: Array<{ message: string }> }).issues;
  console.error(issues ? issues.map((issue) => issue.message).join("\n") : error instanceof Error ? error.message : error);
} finally {
  await (await database().catch(() => null))?.close();
}
process.exit(code);
