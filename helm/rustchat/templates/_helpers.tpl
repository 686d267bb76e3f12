{{/* Names and labels. */}}
{{- define "rustchat.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "rustchat.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "rustchat.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "rustchat.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/* The server pods (the Service, the PDB and the spread select these; job pods differ in component). */}}
{{- define "rustchat.selectorLabels" -}}
{{ include "rustchat.baseLabels" . }}
app.kubernetes.io/component: server
{{- end }}

{{- define "rustchat.baseLabels" -}}
app.kubernetes.io/name: {{ include "rustchat.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "rustchat.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "rustchat.baseLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "rustchat.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{- define "rustchat.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "rustchat.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret the pods read: the user's, or the chart's own. */}}
{{- define "rustchat.secretName" -}}
{{- default (include "rustchat.fullname" .) .Values.existingSecret }}
{{- end }}

{{/* No external PostgreSQL: one pod on the embedded database, its data on a volume. */}}
{{- define "rustchat.embedded" -}}
{{- if and (not .Values.existingSecret) (not .Values.secrets.databaseUrl) }}true{{ end }}
{{- end }}

{{/* More than one server process at any time: Redis and S3 become mandatory. */}}
{{- define "rustchat.multiProcess" -}}
{{- if or .Values.autoscaling.enabled (gt (int .Values.replicaCount) 1) }}true{{ end }}
{{- end }}

{{/* Settings that cannot work, refused at render time with the reason. */}}
{{- define "rustchat.validate" -}}
{{- if include "rustchat.embedded" . }}
{{- if include "rustchat.multiProcess" . }}{{ fail "more than one pod (replicaCount > 1 or autoscaling) needs an external PostgreSQL: set secrets.databaseUrl or existingSecret (the embedded database serves one process)" }}{{ end }}
{{- else if not .Values.existingSecret }}
{{- if lt (len .Values.secrets.jwtSecret) 32 }}{{ fail "secrets.jwtSecret (or existingSecret) must be at least 32 characters with an external PostgreSQL" }}{{ end }}
{{- if and (include "rustchat.multiProcess" .) (not .Values.secrets.redisUrl) }}{{ fail "secrets.redisUrl is required with more than one pod (replicaCount > 1 or autoscaling): events cross pods through Redis" }}{{ end }}
{{- end }}
{{- if and (include "rustchat.multiProcess" .) (not .Values.config.s3.bucket) }}{{ fail "config.s3.bucket is required with more than one pod: files must be shared" }}{{ end }}
{{- $drain := add (int .Values.preStopSleepSeconds) (div (int .Values.config.server.shutdown_timeout_ms) 1000) }}
{{- if le (int .Values.terminationGracePeriodSeconds) (add $drain 2) }}{{ fail (printf "terminationGracePeriodSeconds (%d) must exceed preStopSleepSeconds + shutdown_timeout_ms/1000 + 2 (%d)" (int .Values.terminationGracePeriodSeconds) (add $drain 2)) }}{{ end }}
{{- if and .Values.backup.enabled (not (has .Values.backup.destination (list "volume" "s3"))) }}{{ fail "backup.destination must be volume or s3" }}{{ end }}
{{- end }}

{{/* One secret as an environment variable. */}}
{{- define "rustchat.secretEnv" -}}
- name: {{ .env }}
  valueFrom:
    secretKeyRef:
      name: {{ .secret }}
      key: {{ .key }}
      {{- if .optional }}
      optional: true
      {{- end }}
{{- end }}

{{/* The server's environment: configuration file and secrets (shared by the Deployment, the migration Job and backups). */}}
{{- define "rustchat.env" -}}
{{- $s := include "rustchat.secretName" . -}}
- name: RUSTCHAT_CONFIG
  value: /etc/rustchat/rustchat.toml
- name: RUSTCHAT_DATA_DIR
  value: /var/lib/rustchat
{{- if not (include "rustchat.embedded" .) }}
{{ include "rustchat.secretEnv" (dict "env" "RUSTCHAT_DATABASE_URL" "secret" $s "key" "database-url") }}
{{ include "rustchat.secretEnv" (dict "env" "RUSTCHAT_JWT_SECRET" "secret" $s "key" "jwt-secret") }}
{{- end }}
{{ include "rustchat.secretEnv" (dict "env" "RUSTCHAT_REDIS_URL" "secret" $s "key" "redis-url" "optional" true) }}
{{ include "rustchat.secretEnv" (dict "env" "RUSTCHAT_S3_ACCESS_KEY" "secret" $s "key" "s3-access-key" "optional" true) }}
{{ include "rustchat.secretEnv" (dict "env" "RUSTCHAT_S3_SECRET_KEY" "secret" $s "key" "s3-secret-key" "optional" true) }}
{{ include "rustchat.secretEnv" (dict "env" "RUSTCHAT_SMTP_PASSWORD" "secret" $s "key" "smtp-password" "optional" true) }}
{{ include "rustchat.secretEnv" (dict "env" "RUSTCHAT_METRICS_TOKEN" "secret" $s "key" "metrics-token" "optional" true) }}
{{- if .Values.metrics.allowFrom }}
- name: RUSTCHAT_METRICS_ALLOW_FROM
  value: {{ .Values.metrics.allowFrom | quote }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Volumes every server container mounts: the configuration, a data directory and /tmp (the root filesystem is read-only). */}}
{{- define "rustchat.volumes" -}}
- name: config
  configMap:
    name: {{ include "rustchat.fullname" . }}
- name: data
  {{- if include "rustchat.embedded" . }}
  persistentVolumeClaim:
    claimName: {{ .Values.persistence.existingClaim | default (printf "%s-data" (include "rustchat.fullname" .)) }}
  {{- else }}
  # With PostgreSQL and S3 the data directory holds next to nothing.
  emptyDir: {}
  {{- end }}
- name: tmp
  emptyDir: {}
{{- end }}

{{- define "rustchat.volumeMounts" -}}
- name: config
  mountPath: /etc/rustchat
  readOnly: true
- name: data
  mountPath: /var/lib/rustchat
- name: tmp
  mountPath: /tmp
{{- end }}
