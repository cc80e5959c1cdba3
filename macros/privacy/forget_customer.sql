{#- Right to erasure: `dbt run-operation forget_customer --args '{customer_id: c0000042}'` removes one customer
    everywhere the warehouse keeps them:
    1. records the salted hash of the id in privacy.erased_customers (the loader drops rows of erased customers
       from any file loaded later, so a reload does not bring them back; nothing identifying is stored);
    2. deletes their raw rows: customers, orders and the lines of those orders, events (their own and those of
       the anonymous ids seen with them), experiment assignments;
    3. deletes their rows from every table built by dbt (staging tables, intermediate, marts, snapshots) that has a
       customer_id, reported_customer_id or anonymous_id column. Quarantine and staging views read raw, so they
       follow at once.
    Aggregated marts (counts, rates) still include the customer until the next `dbt build`, which recomputes them
    without the customer; run it right after. -#}
{% macro forget_customer(customer_id) %}
    {%- if not customer_id -%}
        {{ exceptions.raise_compiler_error("forget_customer needs --args '{customer_id: <id>}'") }}
    {%- endif -%}
    {%- if target.type == 'spark' -%}
        {{ exceptions.raise_compiler_error("forget_customer is not available on Spark: it deletes rows, which the"
            ~ " project's Parquet tables cannot do (that needs Delta or Iceberg). Remove the customer from the raw"
            ~ " files, reload (load --target spark) and run dbt build.") }}
    {%- endif -%}
    {%- set id_literal = "'" ~ (customer_id | string | replace("'", "''")) ~ "'" -%}
    {%- set raw_schema = var('raw_schema', 'raw') -%}
    {%- set raw = var('raw_tables') -%}
    {%- set privacy = generate_schema_name('privacy', none) -%}

    {%- do run_query("create schema if not exists " ~ privacy) -%}
    {%- do run_query("create table if not exists " ~ privacy ~ ".erased_customers (customer_hash "
        ~ dbt.type_string() ~ ", erased_at " ~ dbt.type_timestamp() ~ ")") -%}
    {%- do run_query("insert into " ~ privacy ~ ".erased_customers select " ~ hash_pii(id_literal) ~ ", "
        ~ dbt.current_timestamp() ~ " where not exists (select 1 from " ~ privacy ~ ".erased_customers where customer_hash = "
        ~ hash_pii(id_literal) ~ ")") -%}

    {%- set anonymous = run_query("select distinct anonymous_id from " ~ raw_schema ~ "." ~ raw['events']
        ~ " where customer_id = " ~ id_literal ~ " and anonymous_id is not null") -%}
    {%- set anonymous_ids = [] -%}
    {%- for row in anonymous.rows -%}
        {%- do anonymous_ids.append("'" ~ (row[0] | replace("'", "''")) ~ "'") -%}
    {%- endfor -%}
    {%- set anonymous_list = anonymous_ids | join(', ') if anonymous_ids else "null" -%}

    {%- set statements = [
        "delete from " ~ raw_schema ~ "." ~ raw['order_items'] ~ " where order_id in (select order_id from "
            ~ raw_schema ~ "." ~ raw['orders'] ~ " where customer_id = " ~ id_literal ~ ")",
        "delete from " ~ raw_schema ~ "." ~ raw['orders'] ~ " where customer_id = " ~ id_literal,
        "delete from " ~ raw_schema ~ "." ~ raw['events'] ~ " where customer_id = " ~ id_literal
            ~ " or anonymous_id in (" ~ anonymous_list ~ ")",
        "delete from " ~ raw_schema ~ "." ~ raw['experiment_assignments'] ~ " where customer_id = " ~ id_literal,
        "delete from " ~ raw_schema ~ "." ~ raw['customers'] ~ " where customer_id = " ~ id_literal,
    ] -%}

    {%- set schemas = [] -%}
    {%- for name in ['staging', 'intermediate', 'marts', 'snapshots', 'semantic'] -%}
        {%- do schemas.append("'" ~ generate_schema_name(name, none) ~ "'") -%}
    {%- endfor -%}
    {%- set tables = run_query(
        "select c.table_schema, c.table_name, c.column_name from information_schema.columns c "
        ~ "join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name "
        ~ "where t.table_type = 'BASE TABLE' and c.table_schema in (" ~ schemas | join(', ') ~ ") "
        ~ "and c.column_name in ('customer_id', 'reported_customer_id', 'anonymous_id') order by 1, 2, 3") -%}
    {%- for row in tables.rows -%}
        {%- set value_list = id_literal if row[2] != 'anonymous_id' else anonymous_list -%}
        {%- do statements.append("delete from " ~ row[0] ~ "." ~ adapter.quote(row[1]) ~ " where "
            ~ adapter.quote(row[2]) ~ " in (" ~ value_list ~ ")") -%}
    {%- endfor -%}

    {%- for statement in statements -%}
        {%- do run_query(statement) -%}
    {%- endfor -%}
    {%- if target.type != 'duckdb' -%}{%- do run_query("commit") -%}{%- endif -%}
    {{ log("forget_customer: erased one customer (" ~ anonymous_ids | length ~ " anonymous ids) from raw and "
        ~ tables.rows | length ~ " built columns; run `dbt build` to recompute the aggregates", info=true) }}
{% endmacro %}
