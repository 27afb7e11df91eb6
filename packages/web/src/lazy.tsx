/**
 * Screens loaded on first use: settings, search and "new chat" are opened now and then, so
 * their code stays out of the script every start has to parse and run.
 */
import { type ComponentType, h } from "preact";
import { useEffect, useState } from "preact/hooks";

export function lazyView<P extends object>(
  load: () => Promise<ComponentType<P>>,
): ComponentType<P> {
  let loaded: ComponentType<P> | undefined;
  let pending: Promise<ComponentType<P>> | undefined;
  return function LazyView(props: P) {
    const [view, setView] = useState<ComponentType<P> | undefined>(() => loaded);
    const [failed, setFailed] = useState(false);
    useEffect(() => {
      if (view) return;
      let live = true;
      pending ??= load().then((component) => {
        loaded = component;
        return component;
      });
      pending.then(
        (component) => live && setView(() => component),
        () => {
          // A release replaced the files since this page loaded: the next try may succeed.
          pending = undefined;
          if (live) setFailed(true);
        },
      );
      return () => {
        live = false;
      };
    }, [view]);
    if (view) return h(view, props);
    return failed ? (
      <div class="empty-main">
        <p role="alert">This screen could not be loaded. Reload the page to try again.</p>
      </div>
    ) : null;
  };
}
