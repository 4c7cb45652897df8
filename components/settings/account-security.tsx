"use client";

import { useState } from "react";
import { ChangePassword } from "./change-password";
import { Sessions } from "./sessions";

/** Sessions and password together: a password change signs the others out, so the list reloads. */
export function AccountSecurity() {
  const [changes, setChanges] = useState(0);
  return (
    <>
      <Sessions refreshKey={changes} />
      <ChangePassword onChanged={() => setChanges((n) => n + 1)} />
    </>
  );
}
