-- CreateTable
CREATE TABLE "login_throttle_windows" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "failures" INTEGER NOT NULL,
    "reset_at" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "login_throttle_windows_reset_at_idx" ON "login_throttle_windows"("reset_at");

