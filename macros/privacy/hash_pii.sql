{#- Salted hashes of personal data. The salt is never written into SQL: dbt writes compiled SQL, run results and
    logs to target/ and logs/, so a literal there would leak. The loader (or `python -m retention_warehouse
    salt`) copies RETENTION_PII_SALT into the one-row table privacy.pii_salt (source('privacy', 'pii_salt')),
    and every hash reads it with a scalar subquery from a CTE named `pii_salt` that the model imports; an empty
    table means the public demo salt, and the build warns about it (warn_if_demo_salt). -#}

{#- The salt in effect, as an SQL expression over the model's `pii_salt` import CTE. -#}
{% macro pii_salt_value() -%}
    (select coalesce(max(pii_salt.salt), '{{ demo_pii_salt() }}') from pii_salt)
{%- endmacro %}

{#- The public demo salt: used only while no salt is stored; never a secret. -#}
{% macro demo_pii_salt() -%}retention-warehouse-demo-salt{%- endmacro %}

{#- The schema of the privacy tables (pii_salt, erased_customers, erased_anonymous_ids); the loader writes it
    under this exact name. -#}
{% macro privacy_schema() -%}privacy{%- endmacro %}

{#- Lower-case hex SHA-256 of salt || value, on every engine; null for null. `salt` is an SQL expression. -#}
{% macro sha256_hex(value, salt) %}
    {{ return(adapter.dispatch('sha256_hex', 'retention_warehouse')(value, salt)) }}
{% endmacro %}

{% macro default__sha256_hex(value, salt) -%}
    sha256({{ salt }} || {{ value }})
{%- endmacro %}

{% macro postgres__sha256_hex(value, salt) -%}
    encode(sha256(convert_to({{ salt }} || {{ value }}, 'UTF8')), 'hex')
{%- endmacro %}

{% macro spark__sha256_hex(value, salt) -%}
    sha2(concat({{ salt }}, {{ value }}), 256)
{%- endmacro %}

{#- An email (or other contact value) as a join key for CRM tools: trimmed and lower-cased, then hashed. -#}
{% macro hash_pii(column) -%}
    case when {{ column }} is not null then {{ sha256_hex('lower(trim(' ~ column ~ '))', pii_salt_value()) }} end
{%- endmacro %}

{#- An identifier hashed exactly as the feed spells it (ids are case-sensitive): the key of the erasure
    tables. -#}
{% macro hash_id(column) -%}
    case when {{ column }} is not null then {{ sha256_hex(column, pii_salt_value()) }} end
{%- endmacro %}
