/**
 * /api/v1/devices and the key packages of end-to-end encryption (docs/E2EE.md): the
 * caller's own devices and their pools, and other people's devices and key packages.
 * Signed-in people only (see auth/route-scopes.ts): no access token reaches these.
 */
import {
  claimedKeyPackagesResponse,
  claimKeyPackagesQuery,
  createDeviceBody,
  devicesResponse,
  deviceView,
  keyPackagesUploaded,
  publicDevicesResponse,
  updateDeviceBody,
  uploadKeyPackagesBody,
} from "@private-chat/protocol/devices";
import { idParams } from "@private-chat/protocol/rest";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { caller } from "../auth/authenticate.js";
import { empty } from "../http/openapi.js";
import type { DeviceService } from "./service.js";

export function registerDeviceRoutes(root: FastifyInstance, devices: DeviceService): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ["devices"];

  app.post(
    "/devices",
    {
      schema: {
        summary: "Register one of the caller's devices",
        description:
          "A browser profile or terminal-client installation, with its Ed25519 public signature key (32 bytes, base64url). At most 20 devices a person (409 `conflict`); a key registered already is 409 too.",
        operationId: "createDevice",
        tags,
        body: createDeviceBody,
        response: { 201: deviceView },
        errors: [409],
      },
    },
    async (request, reply) => {
      const device = await devices.register(caller(request).user, request.body);
      reply.code(201);
      return device;
    },
  );

  app.get(
    "/devices",
    {
      schema: {
        summary: "The caller's devices, with what is left of their key-package pools",
        operationId: "listDevices",
        tags,
        response: { 200: devicesResponse },
      },
    },
    async (request) => ({ devices: await devices.list(caller(request).user) }),
  );

  app.patch(
    "/devices/:id",
    {
      schema: {
        summary: "Rename one of the caller's devices",
        operationId: "updateDevice",
        tags,
        params: idParams,
        body: updateDeviceBody,
        response: { 200: deviceView },
        errors: [404],
      },
    },
    async (request) => devices.rename(caller(request).user, request.params.id, request.body.name),
  );

  app.delete(
    "/devices/:id",
    {
      schema: {
        summary: "Remove one of the caller's devices and its key packages",
        operationId: "deleteDevice",
        tags,
        params: idParams,
        response: { 204: empty("Removed") },
        errors: [404],
      },
    },
    async (request, reply) => {
      await devices.remove(caller(request).user, request.params.id);
      reply.code(204);
    },
  );

  app.post(
    "/devices/:id/key-packages",
    {
      schema: {
        summary: "Add MLS key packages to a device's pool",
        description:
          "Each an encoded MLS KeyPackage (RFC 9420), base64url, at most 16 KiB: MLS 1.0, cipher suite 1 (MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519), signed with the device's registered key, a basic credential whose identity is the UTF-8 text \"<user id>:<device id>\", a lifetime that has begun and ends within 30 days. At most 100 unused packages a device. `last_resort` replaces the device's last-resort package. Any package that fails is 400 `invalid_request` naming it, and nothing is added.",
        operationId: "uploadKeyPackages",
        tags,
        params: idParams,
        body: uploadKeyPackagesBody,
        response: { 200: keyPackagesUploaded },
        errors: [404],
      },
    },
    async (request) => devices.upload(caller(request).user, request.params.id, request.body),
  );

  app.get(
    "/users/:id/devices",
    {
      schema: {
        summary: "A person's devices: their public signature keys",
        description: "For anyone who may look the person up (GET /users/{id}).",
        operationId: "listUserDevices",
        tags,
        params: idParams,
        response: { 200: publicDevicesResponse },
        errors: [404],
      },
    },
    async (request) => ({
      devices: await devices.publicDevices(caller(request).user, request.params.id),
    }),
  );

  app.post(
    "/users/:id/key-packages/claim",
    {
      schema: {
        summary: "Claim one key package of each of a person's devices",
        description:
          "With `device_id`, that device's package only (none when it is not one of theirs). Each package goes to one claimer only; a device with none left gives its last-resort package, which stays. A device with neither is left out. At most 200 claims at once a person (an encrypted group's largest size), then one a second, and at most 10 at once of one person's packages, then one every 10 s (429 `rate_limited`); 403 `not_accepting` when either has blocked the other.",
        operationId: "claimKeyPackages",
        tags,
        params: idParams,
        querystring: claimKeyPackagesQuery,
        response: { 200: claimedKeyPackagesResponse },
        errors: [404],
      },
    },
    async (request) => ({
      key_packages: await devices.claim(
        caller(request).user,
        request.params.id,
        request.query.device_id,
      ),
    }),
  );
}
