/**
 * memo() without preact/compat: re-renders only when a prop changes by identity.
 */
import { Component, type ComponentChildren } from "preact";

export function memo<P extends object>(render: (props: P) => ComponentChildren) {
  return class Memo extends Component<P> {
    override shouldComponentUpdate(next: P): boolean {
      const prev = this.props as Record<string, unknown>;
      const now = next as Record<string, unknown>;
      for (const key in now) if (now[key] !== prev[key]) return true;
      for (const key in prev) if (!(key in now)) return true;
      return false;
    }
    override render(props: P): ComponentChildren {
      return render(props);
    }
  };
}
