{#- Spark (dbt-spark) adjustments, found before dbt's own macros through the dispatch config in dbt_project.yml.
    The project's Spark tables are Parquet (var spark_file_format; no Delta or Iceberg needed), so what only
    Delta does is done here another way. -#}

{#- Contract constraints: dbt-spark enforces not_null by `alter column ... set not null`, which only Delta
    tables accept. On other formats the constraint is checked right after the table is built: the run fails,
    naming the column, when it holds a null (the same rule, enforced after the write instead of during it). -#}
{% macro spark__persist_constraints(relation, model) %}
    {%- set contract_config = config.get('contract') -%}
    {%- if contract_config.enforced and config.get('file_format', 'delta') in ['delta', 'iceberg'] -%}
        {%- do alter_table_add_constraints(relation, model.constraints) -%}
        {%- do alter_column_set_constraints(relation, model.columns) -%}
    {%- elif contract_config.enforced -%}
        {%- set checks = [] -%}
        {%- for column_name, column in model.columns.items() -%}
            {%- for constraint in column.get('constraints', []) if constraint.type == 'not_null' -%}
                {%- do checks.append(column_name) -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- if checks -%}
            {%- set selects = [] -%}
            {%- for column_name in checks -%}
                {%- do selects.append("sum(case when " ~ column_name ~ " is null then 1 else 0 end)") -%}
            {%- endfor -%}
            {%- set row = run_query("select " ~ selects | join(', ') ~ " from " ~ relation).rows[0] -%}
            {%- set violations = [] -%}
            {%- for column_name in checks -%}
                {%- if row[loop.index0] and row[loop.index0] > 0 -%}
                    {%- do violations.append(column_name ~ " (" ~ row[loop.index0] ~ " nulls)") -%}
                {%- endif -%}
            {%- endfor -%}
            {%- if violations -%}
                {{ exceptions.raise_compiler_error("Contract not_null constraint violated in " ~ relation ~ ": "
                    ~ violations | join(', ')) }}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}

{#- Seeds: dbt-spark's session connection puts every bound value between quotes without escaping it (a value
    with an apostrophe breaks the insert) and binds an empty cell as the string 'None'. Write the values as
    literals instead: null, numbers and booleans as they are, strings escaped (Spark takes backslash escapes). -#}
{% macro spark_seed_literal(value) -%}
    {%- if value is none -%}
        null
    {%- elif value is sameas true or value is sameas false -%}
        {{ 'true' if value else 'false' }}
    {%- elif value is number -%}
        {{ value }}
    {%- else -%}
        '{{ value | string | replace('\\', '\\\\') | replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}

{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for col_name in agate_table.column_names -%}
                    {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
                    cast({{ spark_seed_literal(row[loop.index0]) }} as {{ column_override.get(col_name, inferred_type) }})
                    {%- if not loop.last %},{% endif -%}
                {%- endfor -%})
                {%- if not loop.last %},{% endif %}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.index0 == 0 -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements[0]) }}
{% endmacro %}
