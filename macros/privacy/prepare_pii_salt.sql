{#- on-run-start: make sure source('privacy', 'pii_salt') exists (created empty for a project that points at
    its own raw tables and never ran the loader), and warn once, loudly, when no salt is stored. -#}
{% macro prepare_pii_salt() %}
    {%- if execute and flags.WHICH in ['run', 'build', 'test', 'seed', 'snapshot'] -%}
    {%- set schema = privacy_schema() -%}
    {%- set relation = adapter.get_relation(database=target.database if target.database is defined else none,
                                            schema=schema, identifier='pii_salt') -%}
    {%- set stored = 0 -%}
    {%- if relation is none -%}
        {%- do run_query("create schema if not exists " ~ schema) -%}
        {%- do run_query("create table if not exists " ~ schema ~ ".pii_salt (salt " ~ dbt.type_string() ~ ")"
            ~ (" using parquet" if target.type == 'spark' else "")) -%}
        {#- hooks run in the master connection's transaction, which dbt does not commit for them -#}
        {%- if target.type != 'spark' -%}{%- do run_query("commit") -%}{%- endif -%}
    {%- else -%}
        {%- set stored = run_query("select count(*) from " ~ relation ~ " where salt is not null and salt <> ''")
            .columns[0].values()[0] -%}
    {%- endif -%}
    {%- if stored == 0 -%}
        {%- do exceptions.warn("NO PII SALT: RETENTION_PII_SALT was not stored in " ~ schema ~ ".pii_salt, so emails"
            ~ " and other personal data are pseudonymised with the public demo salt, which anyone can reverse by"
            ~ " guessing. Set RETENTION_PII_SALT and run `python -m retention_warehouse salt` (or load your files"
            ~ " again), then rebuild.") -%}
    {%- endif -%}
    {%- endif -%}
    select 1
{% endmacro %}
