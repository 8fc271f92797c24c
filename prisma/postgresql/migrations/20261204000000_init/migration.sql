-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "identities" (
    "id" TEXT NOT NULL,
    "traits_schema_id" TEXT NOT NULL,
    "traits" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "identities_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "identity_credentials" (
    "id" TEXT NOT NULL,
    "identity_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "config" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "identity_credentials_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "identity_credential_identifiers" (
    "id" TEXT NOT NULL,
    "identifier" TEXT NOT NULL,
    "identity_credential_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "identity_credential_identifiers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sessions" (
    "id" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "identity_id" TEXT NOT NULL,
    "issued_at" TIMESTAMPTZ(3) NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "authenticated_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "selfservice_flow_requests" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "request_url" TEXT NOT NULL,
    "issued_at" TIMESTAMPTZ(3) NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "active" TEXT NOT NULL DEFAULT '',
    "csrf_token" TEXT NOT NULL,
    "methods" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "selfservice_flow_requests_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "selfservice_profile_management_requests" (
    "id" TEXT NOT NULL,
    "request_url" TEXT NOT NULL,
    "issued_at" TIMESTAMPTZ(3) NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "form" JSONB NOT NULL,
    "update_successful" BOOLEAN NOT NULL DEFAULT false,
    "identity_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "selfservice_profile_management_requests_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "selfservice_errors" (
    "id" TEXT NOT NULL,
    "errors" JSONB NOT NULL,
    "csrf_token" TEXT NOT NULL DEFAULT '',
    "was_seen" BOOLEAN NOT NULL DEFAULT false,
    "seen_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "selfservice_errors_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "identities_created_at_id_idx" ON "identities"("created_at", "id");

-- CreateIndex
CREATE UNIQUE INDEX "identity_credentials_identity_id_type_key" ON "identity_credentials"("identity_id", "type");

-- CreateIndex
CREATE UNIQUE INDEX "identity_credential_identifiers_identifier_key" ON "identity_credential_identifiers"("identifier");

-- CreateIndex
CREATE INDEX "identity_credential_identifiers_identity_credential_id_idx" ON "identity_credential_identifiers"("identity_credential_id");

-- CreateIndex
CREATE UNIQUE INDEX "sessions_token_hash_key" ON "sessions"("token_hash");

-- CreateIndex
CREATE INDEX "sessions_identity_id_idx" ON "sessions"("identity_id");

-- CreateIndex
CREATE INDEX "sessions_expires_at_idx" ON "sessions"("expires_at");

-- CreateIndex
CREATE INDEX "selfservice_flow_requests_expires_at_idx" ON "selfservice_flow_requests"("expires_at");

-- CreateIndex
CREATE INDEX "selfservice_profile_management_requests_identity_id_idx" ON "selfservice_profile_management_requests"("identity_id");

-- AddForeignKey
ALTER TABLE "identity_credentials" ADD CONSTRAINT "identity_credentials_identity_id_fkey" FOREIGN KEY ("identity_id") REFERENCES "identities"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "identity_credential_identifiers" ADD CONSTRAINT "identity_credential_identifiers_identity_credential_id_fkey" FOREIGN KEY ("identity_credential_id") REFERENCES "identity_credentials"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_identity_id_fkey" FOREIGN KEY ("identity_id") REFERENCES "identities"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "selfservice_profile_management_requests" ADD CONSTRAINT "selfservice_profile_management_requests_identity_id_fkey" FOREIGN KEY ("identity_id") REFERENCES "identities"("id") ON DELETE CASCADE ON UPDATE CASCADE;

