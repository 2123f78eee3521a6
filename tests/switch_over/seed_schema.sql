-- The seed gateway's PostgreSQL schema (yidianyiko/ClawScale, packages/api/prisma/schema.prisma
-- after its migrations up to 20260428120000_linq_shared_channel), as Prisma lays it out: enum
-- types, TEXT ids, TIMESTAMP(3) without zone, JSONB. Only the tables the importer reads, and the
-- ones they reference, are here; written for the switch-over tests.

CREATE TABLE "_prisma_migrations" (
    "id" VARCHAR(36) NOT NULL PRIMARY KEY,
    "checksum" VARCHAR(64) NOT NULL,
    "finished_at" TIMESTAMPTZ,
    "migration_name" VARCHAR(255) NOT NULL,
    "logs" TEXT,
    "rolled_back_at" TIMESTAMPTZ,
    "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0
);

CREATE TYPE "ChannelStatus" AS ENUM ('connected', 'disconnected', 'pending', 'error', 'archived');
CREATE TYPE "ChannelScope" AS ENUM ('tenant_shared', 'personal');
CREATE TYPE "ChannelType" AS ENUM ('whatsapp', 'telegram', 'slack', 'discord', 'instagram',
    'facebook', 'line', 'signal', 'teams', 'matrix', 'web', 'wechat_work', 'whatsapp_business',
    'whatsapp_evolution', 'linq', 'wechat_personal', 'wechat_ecloud');
CREATE TYPE "EndUserStatus" AS ENUM ('allowed', 'blocked');
CREATE TYPE "IdentityClaimStatus" AS ENUM ('active', 'unclaimed', 'pending');
CREATE TYPE "CustomerKind" AS ENUM ('personal', 'organization');
CREATE TYPE "MembershipRole" AS ENUM ('owner', 'member', 'viewer');
CREATE TYPE "AgentBindingProvisionStatus" AS ENUM ('pending', 'ready', 'error');
CREATE TYPE "ChannelOwnershipKind" AS ENUM ('customer', 'shared');

CREATE TABLE "tenants" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "slug" TEXT NOT NULL UNIQUE,
    "name" TEXT NOT NULL,
    "settings" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL
);

CREATE TABLE "admin_accounts" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "email" TEXT NOT NULL UNIQUE,
    "password_hash" TEXT NOT NULL,
    "mfa_secret" TEXT,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL
);

CREATE TABLE "identities" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "email" TEXT UNIQUE,
    "phone" TEXT,
    "display_name" TEXT NOT NULL,
    "password_hash" TEXT,
    "claim_status" "IdentityClaimStatus" NOT NULL DEFAULT 'active',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL
);

CREATE TABLE "customers" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "kind" "CustomerKind" NOT NULL DEFAULT 'personal',
    "display_name" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL
);

CREATE TABLE "memberships" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "identity_id" TEXT NOT NULL REFERENCES "identities"("id") ON DELETE CASCADE,
    "customer_id" TEXT NOT NULL REFERENCES "customers"("id") ON DELETE CASCADE,
    "role" "MembershipRole" NOT NULL DEFAULT 'owner',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,
    UNIQUE ("identity_id", "customer_id")
);

CREATE TABLE "agents" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "slug" TEXT NOT NULL UNIQUE,
    "name" TEXT NOT NULL,
    "endpoint" TEXT NOT NULL,
    "auth_token" TEXT NOT NULL,
    "is_default" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL
);

CREATE TABLE "agent_bindings" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "customer_id" TEXT NOT NULL UNIQUE REFERENCES "customers"("id") ON DELETE CASCADE,
    "agent_id" TEXT NOT NULL REFERENCES "agents"("id") ON DELETE RESTRICT,
    "provision_status" "AgentBindingProvisionStatus" NOT NULL DEFAULT 'pending',
    "provision_attempts" INTEGER NOT NULL DEFAULT 0,
    "provision_last_error" TEXT,
    "provision_updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL
);

CREATE TABLE "clawscale_users" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tenant_id" TEXT NOT NULL REFERENCES "tenants"("id") ON DELETE CASCADE,
    "coke_account_id" TEXT NOT NULL UNIQUE REFERENCES "customers"("id") ON DELETE CASCADE,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,
    UNIQUE ("tenant_id", "coke_account_id")
);

CREATE TABLE "channels" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tenant_id" TEXT NOT NULL REFERENCES "tenants"("id") ON DELETE CASCADE,
    "type" "ChannelType" NOT NULL,
    "scope" "ChannelScope" NOT NULL DEFAULT 'tenant_shared',
    "ownership_kind" "ChannelOwnershipKind" NOT NULL DEFAULT 'customer',
    "customer_id" TEXT REFERENCES "customers"("id") ON DELETE RESTRICT,
    "agent_id" TEXT REFERENCES "agents"("id") ON DELETE RESTRICT,
    "owner_clawscale_user_id" TEXT REFERENCES "clawscale_users"("id") ON DELETE SET NULL,
    "active_lifecycle_key" TEXT UNIQUE,
    "name" TEXT NOT NULL,
    "status" "ChannelStatus" NOT NULL DEFAULT 'disconnected',
    "config" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL
);

CREATE TABLE "end_users" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tenant_id" TEXT NOT NULL REFERENCES "tenants"("id") ON DELETE CASCADE,
    "channel_id" TEXT NOT NULL REFERENCES "channels"("id") ON DELETE CASCADE,
    "external_id" TEXT NOT NULL,
    "name" TEXT,
    "email" TEXT,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "status" "EndUserStatus" NOT NULL DEFAULT 'allowed',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,
    "linked_to" TEXT REFERENCES "end_users"("id") ON DELETE SET NULL,
    "clawscale_user_id" TEXT REFERENCES "clawscale_users"("id") ON DELETE SET NULL,
    UNIQUE ("tenant_id", "channel_id", "external_id")
);

CREATE TABLE "external_identities" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "provider" TEXT NOT NULL,
    "identity_type" TEXT NOT NULL,
    "identity_value" TEXT NOT NULL,
    "customer_id" TEXT NOT NULL REFERENCES "customers"("id") ON DELETE CASCADE,
    "first_seen_channel_id" TEXT NOT NULL REFERENCES "channels"("id") ON DELETE RESTRICT,
    "first_seen_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,
    UNIQUE ("provider", "identity_type", "identity_value")
);

CREATE TABLE "subscriptions" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "customer_id" TEXT NOT NULL REFERENCES "customers"("id") ON DELETE CASCADE,
    "stripe_session_id" TEXT NOT NULL UNIQUE,
    "amount_paid" INTEGER NOT NULL,
    "currency" TEXT NOT NULL DEFAULT 'usd',
    "starts_at" TIMESTAMP(3) NOT NULL,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE "conversations" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tenant_id" TEXT NOT NULL,
    "channel_id" TEXT NOT NULL REFERENCES "channels"("id") ON DELETE CASCADE,
    "end_user_id" TEXT NOT NULL REFERENCES "end_users"("id") ON DELETE CASCADE,
    "clawscale_user_id" TEXT REFERENCES "clawscale_users"("id") ON DELETE SET NULL,
    "business_conversation_key" TEXT,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,
    UNIQUE ("clawscale_user_id", "business_conversation_key")
);

CREATE TABLE "delivery_routes" (
    "tenant_id" TEXT NOT NULL REFERENCES "tenants"("id") ON DELETE CASCADE,
    "coke_account_id" TEXT NOT NULL REFERENCES "clawscale_users"("coke_account_id") ON DELETE CASCADE,
    "business_conversation_key" TEXT NOT NULL,
    "channel_id" TEXT NOT NULL REFERENCES "channels"("id") ON DELETE CASCADE,
    "end_user_id" TEXT NOT NULL REFERENCES "end_users"("id") ON DELETE CASCADE,
    "external_end_user_id" TEXT NOT NULL,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,
    PRIMARY KEY ("coke_account_id", "business_conversation_key")
);

CREATE TABLE "outbound_deliveries" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "tenant_id" TEXT NOT NULL,
    "channel_id" TEXT NOT NULL,
    "idempotency_key" TEXT NOT NULL UNIQUE,
    "payload" JSONB NOT NULL,
    "status" TEXT NOT NULL,
    "error" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL
);
