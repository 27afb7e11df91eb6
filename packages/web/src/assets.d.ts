/** A file vite copies into the build, imported as its URL (`?url`). */
declare module "*?url" {
  const url: string;
  export default url;
}
