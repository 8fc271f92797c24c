{{/* Ports inside the pod; Gatehouse's configuration is rendered to listen on them. */}}
{{- define "gatehouse.publicPort" -}}4433{{- end -}}
{{- define "gatehouse.adminPort" -}}4434{{- end -}}
{{- define "gatehouse.configDir" -}}/etc/gatehouse{{- end -}}
{{- define "gatehouse.dataDir" -}}/app/data{{- end -}}

{{- define "gatehouse.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Resource name prefix; suffixes such as -public and -admin must still fit in 63 characters. */}}
{{- define "gatehouse.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "gatehouse.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "gatehouse.labels" -}}
helm.sh/chart: {{ include "gatehouse.chart" . }}
app.kubernetes.io/name: {{ include "gatehouse.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: gatehouse
{{- end -}}

{{/* Labels that select the serving pods; they never change between upgrades. */}}
{{- define "gatehouse.selectorLabels" -}}
app.kubernetes.io/name: {{ include "gatehouse.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: server
{{- end -}}

{{/* Labels of this release's `helm test` pod, which network policies let through. */}}
{{- define "gatehouse.testPodLabels" -}}
app.kubernetes.io/name: {{ include "gatehouse.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: test
{{- end -}}

{{- define "gatehouse.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{- define "gatehouse.configMapName" -}}{{ include "gatehouse.fullname" . }}-config{{- end -}}

{{- define "gatehouse.secretName" -}}
{{- default (include "gatehouse.fullname" .) .Values.secret.existingSecret -}}
{{- end -}}

{{- define "gatehouse.dsnKey" -}}
{{- if .Values.secret.existingSecret }}{{ .Values.secret.dsnKey }}{{ else }}dsn{{ end -}}
{{- end -}}

{{- define "gatehouse.sessionKey" -}}
{{- if .Values.secret.existingSecret }}{{ .Values.secret.sessionKey }}{{ else }}session{{ end -}}
{{- end -}}

{{/*
Kind of database behind database.dsn: postgresql, sqlite, memory, external (the DSN is in
an existing Secret the chart cannot read) or invalid.
*/}}
{{- define "gatehouse.databaseKind" -}}
{{- $dsn := .Values.database.dsn | default "" -}}
{{- if .Values.secret.existingSecret -}}external
{{- else if eq $dsn "memory" -}}memory
{{- else if regexMatch "^sqlite3?://" $dsn -}}
{{- if or (regexMatch "[?&]mode=memory" $dsn) (regexMatch "^sqlite3?://:memory:" $dsn) -}}memory{{- else -}}sqlite{{- end -}}
{{- else if regexMatch "^postgres(ql)?://" $dsn -}}postgresql
{{- else -}}invalid
{{- end -}}
{{- end -}}

{{/* Whether the chart runs migrations itself (PostgreSQL, or a DSN it cannot see). */}}
{{- define "gatehouse.migrationsByChart" -}}
{{- $kind := include "gatehouse.databaseKind" . -}}
{{- if and (has $kind (list "postgresql" "external")) (ne .Values.migration.mode "none") -}}true{{- end -}}
{{- end -}}

{{/* Ids of the identitySchemas entries that hold a schema (a null entry turns one off). */}}
{{- define "gatehouse.identitySchemaIds" -}}
{{- $ids := list -}}
{{- range $id, $schema := .Values.identitySchemas -}}
{{- if not (kindIs "invalid" $schema) -}}{{- $ids = append $ids $id -}}{{- end -}}
{{- end -}}
{{- $ids | sortAlpha | join " " -}}
{{- end -}}

{{/*
The Gatehouse configuration file: the config value with the keys the chart manages filled
in. Secrets never appear here; they reach the process as environment variables.
*/}}
{{- define "gatehouse.configFile" -}}
{{- $config := deepCopy (.Values.config | default dict) -}}
{{- $managed := dict "serve" (dict
      "public" (dict "host" "0.0.0.0" "port" 4433)
      "admin" (dict "host" "0.0.0.0" "port" 4434)
      "shutdown_grace_period" (printf "%ds" (int .Values.shutdownGracePeriodSeconds))) -}}
{{- $config = mustMergeOverwrite $config $managed -}}
{{- /* Base URLs default to how clients reach the pods: the admin Service inside the
cluster, and the first host of the public Ingress. */ -}}
{{- $urls := get $config "urls" | default dict -}}
{{- $self := get $urls "self" | default dict -}}
{{- if not (get $self "admin") -}}
{{- $_ := set $self "admin" (printf "http://%s-admin.%s.svc:%d/" (include "gatehouse.fullname" .) .Release.Namespace (int .Values.service.admin.port)) -}}
{{- end -}}
{{- $ingress := .Values.ingress.public -}}
{{- if and (not (get $self "public")) $ingress.enabled $ingress.hosts -}}
{{- $host := (first $ingress.hosts).host -}}
{{- if not (contains "*" $host) -}}
{{- $_ := set $self "public" (printf "%s://%s/" (ternary "https" "http" (not (empty $ingress.tls))) $host) -}}
{{- end -}}
{{- end -}}
{{- $_ := set $urls "self" $self -}}
{{- $_ := set $config "urls" $urls -}}
{{- if include "gatehouse.identitySchemaIds" . -}}
{{- $identity := get $config "identity" | default dict -}}
{{- $traits := get $identity "traits" | default dict -}}
{{- $schemas := get $traits "schemas" | default list -}}
{{- range $id := include "gatehouse.identitySchemaIds" . | splitList " " -}}
{{- $url := printf "file://%s/identity.%s.schema.json" (include "gatehouse.configDir" $) $id -}}
{{- if eq $id "default" -}}
{{- $_ := set $traits "default_schema_url" $url -}}
{{- else -}}
{{- $schemas = append $schemas (dict "id" $id "url" $url) -}}
{{- end -}}
{{- end -}}
{{- if $schemas -}}{{- $_ := set $traits "schemas" $schemas -}}{{- end -}}
{{- $_ := set $identity "traits" $traits -}}
{{- $_ := set $config "identity" $identity -}}
{{- end -}}
{{- toYaml $config -}}
{{- end -}}

{{/* Data of the ConfigMap: config.yaml and one file per identity traits schema. */}}
{{- define "gatehouse.configMapData" -}}
config.yaml: |
{{ include "gatehouse.configFile" . | indent 2 }}
{{- range $id := include "gatehouse.identitySchemaIds" . | splitList " " | compact }}
identity.{{ $id }}.schema.json: |
{{ index $.Values.identitySchemas $id | toPrettyJson | indent 2 }}
{{- end }}
{{- end -}}

{{/*
The session keys as a JSON list. Explicit keys win; otherwise the keys stored in the
release's Secret are kept; otherwise an install makes a random key, and an upgrade fails. The result is
remembered for the rest of this render, so the Secret and its checksum agree.
*/}}
{{- define "gatehouse.sessionSecrets" -}}
{{- if .Values.secret.session -}}
{{- .Values.secret.session | toJson -}}
{{- else -}}
{{- if not (hasKey .Values "__gatehouseSessionSecrets") -}}
{{- $name := include "gatehouse.fullname" . -}}
{{- $existing := lookup "v1" "Secret" .Release.Namespace $name -}}
{{- $stored := "" -}}
{{- if and $existing (hasKey $existing "data") -}}
{{- $stored = index $existing.data "session" | default "" | b64dec -}}
{{- end -}}
{{- if $stored -}}
{{- $_ := set .Values "__gatehouseSessionSecrets" $stored -}}
{{- else if not .Release.IsUpgrade -}}
{{- $_ := set .Values "__gatehouseSessionSecrets" (list (randAlphaNum 64) | toJson) -}}
{{- else -}}
{{- fail (printf "secret.session is empty and the session keys made at install could not be read from the Secret %s in namespace %s (helm template and helm upgrade --dry-run without =server cannot read the cluster). New keys would sign every user out, so the chart does not make them on an upgrade. Set secret.session to the stored keys (kubectl get secret %s -n %s -o jsonpath='{.data.session}' | base64 -d) or name a Secret of yours in secret.existingSecret." $name .Release.Namespace $name .Release.Namespace) -}}
{{- end -}}
{{- end -}}
{{- get .Values "__gatehouseSessionSecrets" -}}
{{- end -}}
{{- end -}}

{{/* stringData of the chart's Secret. */}}
{{- define "gatehouse.secretData" -}}
dsn: {{ .Values.database.dsn | quote }}
session: {{ include "gatehouse.sessionSecrets" . | quote }}
{{- end -}}

{{/* What the pods' checksum/secret annotation covers. */}}
{{- define "gatehouse.secretChecksum" -}}
{{- if .Values.secret.existingSecret -}}
{{- printf "%s/%s/%s" .Values.secret.existingSecret .Values.secret.dsnKey .Values.secret.sessionKey | sha256sum -}}
{{- else -}}
{{- include "gatehouse.secretData" . | sha256sum -}}
{{- end -}}
{{- end -}}

{{/* Environment shared by the server and migration containers. */}}
{{- define "gatehouse.env" -}}
- name: GATEHOUSE_CONFIG
  value: {{ include "gatehouse.configDir" . }}/config.yaml
- name: DSN
  valueFrom:
    secretKeyRef:
      name: {{ include "gatehouse.secretName" . }}
      key: {{ include "gatehouse.dsnKey" . }}
- name: SECRETS_SESSION
  valueFrom:
    secretKeyRef:
      name: {{ include "gatehouse.secretName" . }}
      key: {{ include "gatehouse.sessionKey" . }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Affinity: the user's, or a preference to put replicas on different nodes. */}}
{{- define "gatehouse.affinity" -}}
{{- if .Values.affinity -}}
{{- toYaml .Values.affinity -}}
{{- else -}}
podAntiAffinity:
  preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 100
      podAffinityTerm:
        topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels:
            {{- include "gatehouse.selectorLabels" . | nindent 12 }}
{{- end -}}
{{- end -}}

{{/* Pod settings shared by the server pods, the migration Job and the test pod. */}}
{{- define "gatehouse.podScheduling" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- end -}}
