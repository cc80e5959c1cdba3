{#- Shared rules of the staging layer. Each base model computes `quarantine_reason` (null = trusted) and
    `is_duplicate` (a trusted row that another trusted row with the same key supersedes). Staging keeps
    trusted, non-duplicate rows; the quarantine model keeps the rest with their reason; the reconciliation
    proves rows in = kept + merged duplicates + quarantined. -#}

{% macro is_duplicate(key_columns, order_by) -%}
    (quarantine_reason is null
        and row_number() over (partition by {{ key_columns }}, quarantine_reason order by {{ order_by }}) > 1)
{%- endmacro %}

{#- A UTC timestamp that cannot be trusted: missing, after the row was loaded, or before var('min_valid_timestamp'). -#}
{% macro timestamp_problem(column, missing_reason) -%}
    when {{ column }} is null then '{{ missing_reason }}'
    when {{ column }} > _loaded_at then 'future_timestamp'
    when {{ column }} < cast('{{ var("min_valid_timestamp") }}' as {{ dbt.type_timestamp() }}) then 'timestamp_out_of_range'
{%- endmacro %}

{% macro id_problem(column, missing_reason) -%}
    when {{ column }} is null then '{{ missing_reason }}'
    when not {{ is_valid_id(column) }} then 'invalid_id'
{%- endmacro %}

{#- The parts of a row's content text for dbt.concat: each column as text (null as '~'), separated by '|'. Two
    rows with the same parts say the same thing. -#}
{% macro content_parts(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("coalesce(cast(" ~ column ~ " as " ~ type_string() ~ "), '~')") -%}
        {%- if not loop.last %}{% do parts.append("'|'") %}{% endif -%}
    {%- endfor -%}
    {{ return(parts) }}
{%- endmacro %}
