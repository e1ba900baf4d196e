import { afterAll, describe, expect, test } from "bun:test";
import { createUser, type TestUser } from "../../support/fixtures.ts";
import { createTestServer } from "../../support/server.ts";

/**
 * Content-Disposition offers the uploader's (or the download path's) file name to whoever
 * downloads it: a name chosen by another user must not carry a directory, a header break or
 * an invisible character into the downloader's file system or screen.
 */
describe("client-chosen file names in Content-Disposition", () => {
  // A cutoff in the future keeps the deprecated unauthenticated download serving these uploads too.
  const server = createTestServer({ media: { unauthenticated_cutoff: "2999-01-01" } });
  let alice: TestUser;
  afterAll(() => server.close());

  const download = (path: string, token = alice.access_token) =>
    server.app.handle(new Request(`http://localhost${path}`, { headers: { Authorization: `Bearer ${token}` } }));

  async function upload(filename: string): Promise<{ status: number; mediaPath: string }> {
    const res = await server.request("POST", `/_matrix/media/v3/upload?filename=${encodeURIComponent(filename)}`, {
      raw: "x",
      token: alice.access_token,
      headers: { "Content-Type": "text/plain" },
    });
    return {
      status: res.status,
      mediaPath: res.status === 200 ? (res.body.content_uri as string).slice("mxc://".length) : "",
    };
  }

  test("path separators in an uploaded name are replaced, on the authenticated and the legacy download", async () => {
    alice = await createUser(server);
    const cases: [string, string][] = [
      ["../../.bashrc", 'inline; filename=".._.._.bashrc"'],
      ["/etc/passwd", 'inline; filename="_etc_passwd"'],
      ["..\\..\\Startup\\run.bat", 'inline; filename=".._.._Startup_run.bat"'],
      ["dir/☕.txt", "inline; filename*=utf-8''dir_%E2%98%95.txt"],
      ["..", "inline"],
    ];
    for (const [name, expected] of cases) {
      const { status, mediaPath } = await upload(name);
      expect(status).toBe(200);
      for (const prefix of ["/_matrix/client/v1/media/download/", "/_matrix/media/v3/download/"]) {
        const res = await download(`${prefix}${mediaPath}`);
        expect(res.status).toBe(200);
        expect([name, res.headers.get("content-disposition")]).toEqual([name, expected]);
      }
    }
  });

  test("an uploaded name with control characters is refused with M_INVALID_PARAM", async () => {
    for (const name of ["a\nb.txt", "a\rContent-Type: text/html", "tab\there", "nul\0.txt", "del\x7f"]) {
      const res = await server.request("POST", `/_matrix/media/v3/upload?filename=${encodeURIComponent(name)}`, {
        raw: "x",
        token: alice.access_token,
      });
      expect([name, res.status, res.body.errcode]).toEqual([name, 400, "M_INVALID_PARAM"]);
    }
  });

  test("the download path's file name loses separators, control and invisible characters; nothing reaches the header raw", async () => {
    const { mediaPath } = await upload("plain.txt");
    const cases: [string, string][] = [
      ["..%2F..%2Fevil.sh", 'inline; filename=".._.._evil.sh"'],
      ["a%5Cb.txt", 'inline; filename="a_b.txt"'],
      ["line%0D%0AX-Injected%3A%201.txt", 'inline; filename="lineX-Injected: 1.txt"'],
      ["evil%E2%80%AEtxt.exe", 'inline; filename="eviltxt.exe"'],
      ["%C2%85next%00line", 'inline; filename="nextline"'],
      ["%0A", "inline"],
    ];
    for (const [requested, expected] of cases) {
      for (const prefix of ["/_matrix/client/v1/media/download/", "/_matrix/media/v3/download/"]) {
        const res = await download(`${prefix}${mediaPath}/${requested}`);
        expect(res.status).toBe(200);
        expect(res.headers.get("x-injected")).toBeNull();
        expect([requested, res.headers.get("content-disposition")]).toEqual([requested, expected]);
      }
    }
  });
});
