{{/*
Names, labels and shared pieces of the BatchFcn chart. The per-pool templates take the context
(dict "root" $ "pool" "cpu"|"gpu" "values" <that pool's values>).
*/}}

{{/* The chart name, or nameOverride. */}}
{{- define "batchfcn.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* "<release>-<chart>" (or the release name alone when it already holds the chart name), or fullnameOverride.
Truncated to 56 characters so that pool suffixes ("-cpu", "-metrics") keep names within 63. */}}
{{- define "batchfcn.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 56 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 56 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 56 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* "name-version" for the helm.sh/chart label. */}}
{{- define "batchfcn.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels of every object. */}}
{{- define "batchfcn.labels" -}}
helm.sh/chart: {{ include "batchfcn.chart" . }}
{{ include "batchfcn.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: batchfcn
{{- end -}}

{{/* Labels that select all of the release's workers (both pools). */}}
{{- define "batchfcn.selectorLabels" -}}
app.kubernetes.io/name: {{ include "batchfcn.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Name of a pool's Deployment, ScaledObject and PodDisruptionBudget: "<fullname>-<pool>". */}}
{{- define "batchfcn.poolName" -}}
{{- printf "%s-%s" (include "batchfcn.fullname" .root) .pool -}}
{{- end -}}

{{/* Labels of a pool's objects. */}}
{{- define "batchfcn.poolLabels" -}}
{{ include "batchfcn.labels" .root }}
app.kubernetes.io/component: worker
batchfcn/pool: {{ .pool }}
{{- end -}}

{{/* Labels that select one pool's pods. */}}
{{- define "batchfcn.poolSelectorLabels" -}}
{{ include "batchfcn.selectorLabels" .root }}
app.kubernetes.io/component: worker
batchfcn/pool: {{ .pool }}
{{- end -}}

{{/* The Secret holding the connection settings. */}}
{{- define "batchfcn.secretName" -}}
{{- default (include "batchfcn.fullname" .) .Values.connection.existingSecret -}}
{{- end -}}

{{/* The workers' service account. */}}
{{- define "batchfcn.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "batchfcn.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The TriggerAuthentication giving KEDA the management API URL. */}}
{{- define "batchfcn.triggerAuthName" -}}
{{- printf "%s-rabbitmq" (include "batchfcn.fullname" .) -}}
{{- end -}}

{{/* The RabbitMQ queues; fixed by the worker (BatchFcn.Distributed.ScanQueues), not settings. */}}
{{- define "batchfcn.tileQueue" -}}batchfcn-tiles{{- end -}}
{{- define "batchfcn.scanQueue" -}}batchfcn-scans{{- end -}}
{{- define "batchfcn.faultQueue" -}}batchfcn-faults{{- end -}}

{{/* The AMQP URL, checked. */}}
{{- define "batchfcn.rabbitmqUrl" -}}
{{- $url := required "connection.rabbitmqUrl is required (amqp://user:password@host:5672/vhost), or name a Secret in connection.existingSecret" .Values.connection.rabbitmqUrl -}}
{{- if not (regexMatch "^amqps?://" $url) -}}
{{- fail "connection.rabbitmqUrl must start with amqp:// or amqps:// (amqp://user:password@host:5672/vhost)" -}}
{{- end -}}
{{- $url -}}
{{- end -}}

{{/* The management API URL for KEDA: connection.rabbitmqManagementUrl, or derived from the AMQP URL as
http://<user>:<password>@<host>:<managementPort><vhost path>. */}}
{{- define "batchfcn.managementUrl" -}}
{{- if .Values.connection.rabbitmqManagementUrl -}}
{{- if not (regexMatch "^https?://" .Values.connection.rabbitmqManagementUrl) -}}
{{- fail "connection.rabbitmqManagementUrl must start with http:// or https:// (http://user:password@host:15672/vhost)" -}}
{{- end -}}
{{- .Values.connection.rabbitmqManagementUrl -}}
{{- else -}}
{{- $u := urlParse (include "batchfcn.rabbitmqUrl" .) -}}
{{- $user := ternary "" (printf "%s@" $u.userinfo) (empty $u.userinfo) -}}
{{- $path := default "/" $u.path -}}
{{- printf "http://%s%s:%d%s" $user $u.hostname (int .Values.connection.managementPort) $path -}}
{{- end -}}
{{- end -}}

{{/* Whether a pool's ScaledObject also wakes on pending scan requests and faults: when the pool may scale to
zero and no other enabled pool keeps a worker running to plan new scans. Without it, a scan submitted to a
deployment scaled to zero would never be planned, so its tile queue would never fill. Prints "true" or "". */}}
{{- define "batchfcn.wakesOnScans" -}}
{{- $root := .root -}}
{{- if eq (int .values.autoscaling.minReplicaCount) 0 -}}
{{- $kept := false -}}
{{- range $other := list "cpu" "gpu" -}}
{{- $o := index $root.Values $other -}}
{{- if and (ne $other $.pool) $o.enabled (gt (int $o.autoscaling.minReplicaCount) 0) -}}
{{- $kept = true -}}
{{- end -}}
{{- end -}}
{{- if not $kept -}}true{{- end -}}
{{- end -}}
{{- end -}}
