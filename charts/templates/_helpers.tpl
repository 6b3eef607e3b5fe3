{{/* Base name of every resource: the release name unless overridden (no DNS-1123 surprises: max 40 chars). */}}
{{- define "htagkube.fullname" -}}
{{- default .Release.Name .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{- define "htagkube.labels" -}}
app.kubernetes.io/name: htagkube
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component: include "htagkube.selector" (list . "router"). */}}
{{- define "htagkube.selector" -}}
{{- $ := index . 0 -}}
app.kubernetes.io/name: htagkube
app.kubernetes.io/instance: {{ $.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "htagkube.image" -}}
{{- $ := index . 0 -}}{{- $img := index . 1 -}}
{{- printf "%s:%s" $img.repository (toString (default $.Chart.AppVersion $img.tag)) -}}
{{- end -}}

{{- define "htagkube.redisSecretName" -}}
{{- if .Values.redis.enabled -}}
{{- default (printf "%s-redis" (include "htagkube.fullname" .)) .Values.redis.existingSecret -}}
{{- else -}}
{{- .Values.externalRedis.existingSecret -}}
{{- end -}}
{{- end -}}

{{- define "htagkube.redisSecretKey" -}}
{{- if .Values.redis.enabled -}}{{ .Values.redis.existingSecretKey }}{{- else -}}{{ .Values.externalRedis.existingSecretKey }}{{- end -}}
{{- end -}}

{{/*
Env vars giving a container the Redis connection string in HTAGKUBE_REDIS (StackExchange.Redis syntax).
In-chart Redis is addressed through the service-link variables Kubernetes injects
(<NAME>_SERVICE_HOST/_PORT) and expands in $(...): they need no cluster DNS. Helm creates Services before
workloads, so the variables exist when router and operator pods start.
*/}}
{{- define "htagkube.redisEnv" -}}
{{- $secret := include "htagkube.redisSecretName" . -}}
{{- if $secret }}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ include "htagkube.redisSecretKey" . }}
{{- end }}
{{- if .Values.redis.enabled }}
{{- $svc := printf "%s-redis" (include "htagkube.fullname" .) | upper | replace "-" "_" }}
- name: HTAGKUBE_REDIS
  value: "$({{ $svc }}_SERVICE_HOST):$({{ $svc }}_SERVICE_PORT),password=$(REDIS_PASSWORD),abortConnect=false"
{{- else }}
- name: HTAGKUBE_REDIS
  value: "{{ .Values.externalRedis.host }}:{{ .Values.externalRedis.port }}{{ if $secret }},password=$(REDIS_PASSWORD){{ end }}{{ if .Values.externalRedis.ssl }},ssl=true{{ end }},abortConnect=false"
{{- end }}
{{- end -}}

{{/* Pod and container hardening shared by router, operator and the cleanup hook. */}}
{{- define "htagkube.podSecurity" -}}
runAsNonRoot: true
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "htagkube.containerSecurity" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
{{- end -}}

{{/* The pod's own namespace in the env var named by the argument (sessions live there). */}}
{{- define "htagkube.namespaceEnv" -}}
- name: {{ . }}
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
{{- end -}}

{{/* The --trusted-proxies list: router.trustedProxies, else the ingress controller's ranges when the ingress is on. */}}
{{- define "htagkube.trustedProxies" -}}
{{- if .Values.router.trustedProxies -}}
{{- join "," .Values.router.trustedProxies -}}
{{- else if .Values.router.ingress.enabled -}}
{{- join "," .Values.router.ingress.controllerCidrs -}}
{{- end -}}
{{- end -}}
