import type { ReactNode } from "react";

/** One section of the settings page: a labelled heading, what it does, then its controls. */
export function SettingsSection({
  id,
  title,
  description,
  last = false,
  children,
}: {
  id: string;
  title: string;
  description: ReactNode;
  /** The page's last section has no space below it. */
  last?: boolean;
  children: ReactNode;
}) {
  return (
    <section aria-labelledby={id} className={last ? "space-y-4" : "mb-10 space-y-4"}>
      <div>
        <h2 id={id} className="text-lg font-semibold">
          {title}
        </h2>
        <p className="text-sm text-zinc-600">{description}</p>
      </div>
      {children}
    </section>
  );
}
