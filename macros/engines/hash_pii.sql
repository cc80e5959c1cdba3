{#- Personal data never leaves staging unhashed: a salted SHA-256 hex digest of the trimmed, lower-cased
    value. The salt comes from the RETENTION_PII_SALT environment variable. -#}
{% macro hash_pii(column) %}
    {{ return(adapter.dispatch('hash_pii', 'retention')(column)) }}
{% endmacro %}

{% macro pii_salt() -%}
'{{ env_var("RETENTION_PII_SALT", "retention-warehouse-demo-salt") | replace("'", "''") }}'
{%- endmacro %}

{% macro default__hash_pii(column) -%}
    case when {{ column }} is not null then sha256({{ pii_salt() }} || lower(trim({{ column }}))) end
{%- endmacro %}

{% macro postgres__hash_pii(column) -%}
    case when {{ column }} is not null
        then encode(sha256(convert_to({{ pii_salt() }} || lower(trim({{ column }})), 'UTF8')), 'hex') end
{%- endmacro %}

{% macro spark__hash_pii(column) -%}
    case when {{ column }} is not null then sha2(concat({{ pii_salt() }}, lower(trim({{ column }}))), 256) end
{%- endmacro %}
