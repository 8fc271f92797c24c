{{/*
Checks that values agree with each other, beyond what values.schema.json can say. Each
failure names the value to change. Rendered from deployment.yaml, so every render runs it.
*/}}
{{- define "gatehouse.validate" -}}
{{- $kind := include "gatehouse.databaseKind" . -}}
{{- $mode := .Values.migration.mode -}}
{{- if not (has $mode (list "job" "initContainer" "none")) -}}
{{- fail (printf "migration.mode is %q but must be job, initContainer or none." $mode) -}}
{{- end -}}
{{- if and .Values.secret.existingSecret .Values.database.dsn -}}
{{- fail "database.dsn and secret.existingSecret are both set: with an existing Secret the DSN comes from it, so leave database.dsn empty." -}}
{{- end -}}
{{- if and (not .Values.secret.existingSecret) (not .Values.database.dsn) -}}
{{- fail "database.dsn is required: set it to postgres://USER:PASSWORD@HOST:5432/DATABASE (or sqlite://./data/gatehouse.sqlite for a single pod), or name a Secret that holds it in secret.existingSecret." -}}
{{- end -}}
{{- if eq $kind "invalid" -}}
{{- fail "database.dsn must start with postgres://, postgresql:// or sqlite://, or be memory." -}}
{{- end -}}
{{- if has $kind (list "sqlite" "memory") -}}
{{- if or (gt (int .Values.replicaCount) 1) .Values.autoscaling.enabled -}}
{{- $reason := ternary "autoscaling.enabled is true" (printf "replicaCount is %d" (int .Values.replicaCount)) .Values.autoscaling.enabled -}}
{{- fail (printf "database.dsn is an %s database, which lives inside one pod, but %s. Use PostgreSQL for more than one pod, or set replicaCount to 1 and autoscaling.enabled to false." (ternary "SQLite" "in-memory" (eq $kind "sqlite")) $reason) -}}
{{- end -}}
{{- end -}}
{{- if and .Values.persistence.enabled (has $kind (list "postgresql" "memory")) -}}
{{- fail (printf "persistence.enabled keeps an SQLite database on a volume, but database.dsn is %s; turn persistence off." (ternary "PostgreSQL" "in memory" (eq $kind "postgresql"))) -}}
{{- end -}}
{{- if eq $kind "sqlite" -}}
{{- $path := regexReplaceAll "^sqlite3?://([^?]*).*$" .Values.database.dsn "${1}" -}}
{{- $dataDir := include "gatehouse.dataDir" . -}}
{{- if not (or (hasPrefix "./data/" $path) (hasPrefix "data/" $path) (hasPrefix (printf "%s/" $dataDir) $path)) -}}
{{- fail (printf "database.dsn puts the SQLite file at %s, outside %s, the only writable place in the pod: use for example sqlite://./data/gatehouse.sqlite." $path $dataDir) -}}
{{- end -}}
{{- end -}}
{{- $serve := .Values.config.serve | default dict -}}
{{- range $listener := list "public" "admin" -}}
{{- range $key := list "host" "port" -}}
{{- if hasKey (get $serve $listener | default dict) $key -}}
{{- fail (printf "config.serve.%s.%s is set by the chart (Gatehouse listens on 0.0.0.0:4433 and 0.0.0.0:4434 in the pod); change service.%s.port instead." $listener $key $listener) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if hasKey $serve "shutdown_grace_period" -}}
{{- fail "config.serve.shutdown_grace_period is set by the chart; use shutdownGracePeriodSeconds instead." -}}
{{- end -}}
{{- if or (hasKey .Values.config "dsn") (hasKey .Values.config "secrets") -}}
{{- fail "config.dsn and config.secrets would put secrets into the ConfigMap; use database.dsn and secret.session (or secret.existingSecret) instead." -}}
{{- end -}}
{{- $traits := (.Values.config.identity | default dict).traits | default dict -}}
{{- $schemaIds := include "gatehouse.identitySchemaIds" . | splitList " " -}}
{{- if and (has "default" $schemaIds) (hasKey $traits "default_schema_url") -}}
{{- fail "config.identity.traits.default_schema_url and identitySchemas.default are both set; keep one (set identitySchemas.default to null to use the URL)." -}}
{{- end -}}
{{- range $entry := $traits.schemas | default list -}}
{{- if has $entry.id $schemaIds -}}
{{- fail (printf "The identity schema id %q is both in config.identity.traits.schemas and in identitySchemas; keep one." $entry.id) -}}
{{- end -}}
{{- end -}}
{{- $stopping := add .Values.preStopSleepSeconds .Values.shutdownGracePeriodSeconds -}}
{{- if le (int .Values.terminationGracePeriodSeconds) (int $stopping) -}}
{{- fail (printf "terminationGracePeriodSeconds (%d) must be more than preStopSleepSeconds + shutdownGracePeriodSeconds (%d), or Kubernetes kills pods before their requests finish." (int .Values.terminationGracePeriodSeconds) (int $stopping)) -}}
{{- end -}}
{{- if and .Values.podDisruptionBudget.enabled (not (kindIs "invalid" .Values.podDisruptionBudget.minAvailable)) (not (kindIs "invalid" .Values.podDisruptionBudget.maxUnavailable)) -}}
{{- fail "podDisruptionBudget.minAvailable and podDisruptionBudget.maxUnavailable are both set; set the other one to null." -}}
{{- end -}}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) -}}
{{- fail "autoscaling.minReplicas is more than autoscaling.maxReplicas." -}}
{{- end -}}
{{- end -}}
