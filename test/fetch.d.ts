// Tests read JSON bodies of our own API and assert on their shape; typing each would add nothing.
interface Response {
  json(): Promise<any>;
}
