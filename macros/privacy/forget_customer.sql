{#- Right to erasure: `dbt run-operation forget_customer --args '{customer_id: c0000042}'` removes one customer
    everywhere the warehouse keeps them:
    1. records the salted hash of the id, exactly as spelled (ids are case-sensitive), in privacy.erased_customers,
       and the hashes of the anonymous ids seen with them in privacy.erased_anonymous_ids (the loader drops rows
       of erased customers and devices from any file loaded later, null-safely, so a reload does not bring them
       back; nothing identifying is stored; the salt is read from privacy.pii_salt, never written in SQL);
    2. deletes their raw rows: customers, orders and the lines of those orders, events (their own and those of
       the anonymous ids seen with them), experiment assignments;
    3. deletes their rows from every table built by dbt (staging tables, intermediate, marts, snapshots) that has a
       customer_id, reported_customer_id or anonymous_id column, under the id and under its pseudonym (an id that
       looks like personal data is stored pseudonymised: macros/privacy/pii_guard.sql). Staging views read raw,
       so they follow at once.
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
    {%- set raw_schema = var('raw_schema') -%}
    {%- set raw = var('raw_tables') -%}
    {%- set privacy = privacy_schema() -%}
    {%- set salt_cte = "with pii_salt as (select * from " ~ privacy ~ ".pii_salt) " -%}

    {%- do run_query("create schema if not exists " ~ privacy) -%}
    {%- do run_query("create table if not exists " ~ privacy ~ ".pii_salt (salt " ~ dbt.type_string() ~ ")") -%}
    {%- do run_query("create table if not exists " ~ privacy ~ ".erased_customers (customer_hash "
        ~ dbt.type_string() ~ ", erased_at " ~ dbt.type_timestamp() ~ ")") -%}
    {%- do run_query("create table if not exists " ~ privacy ~ ".erased_anonymous_ids (anonymous_hash "
        ~ dbt.type_string() ~ ", erased_at " ~ dbt.type_timestamp() ~ ")") -%}
    {#- the hash of the id exactly as the feed spells it: ids are case-sensitive (c0000001 is not C0000001) -#}
    {%- do run_query("insert into " ~ privacy ~ ".erased_customers " ~ salt_cte ~ "select " ~ hash_id(id_literal)
        ~ ", " ~ dbt.current_timestamp() ~ " where not exists (select 1 from " ~ privacy ~ ".erased_customers"
        ~ " as erased where erased.customer_hash = " ~ hash_id(id_literal) ~ ")") -%}

    {%- set anonymous = run_query("select distinct anonymous_id from " ~ raw_schema ~ "." ~ raw['events']
        ~ " where customer_id = " ~ id_literal ~ " and anonymous_id is not null") -%}
    {%- set anonymous_ids = [] -%}
    {%- for row in anonymous.rows -%}
        {%- do anonymous_ids.append("'" ~ (row[0] | replace("'", "''")) ~ "'") -%}
    {%- endfor -%}
    {%- set anonymous_list = anonymous_ids | join(', ') if anonymous_ids else "null" -%}
    {#- the devices seen with the customer are erased too, so a reload does not bring their events back -#}
    {%- for anonymous_literal in anonymous_ids -%}
        {%- do run_query("insert into " ~ privacy ~ ".erased_anonymous_ids " ~ salt_cte ~ "select "
            ~ hash_id(anonymous_literal) ~ ", " ~ dbt.current_timestamp() ~ " where not exists (select 1 from "
            ~ privacy ~ ".erased_anonymous_ids as erased where erased.anonymous_hash = "
            ~ hash_id(anonymous_literal) ~ ")") -%}
    {%- endfor -%}

    {#- built tables hold an id that looks like personal data as its pseudonym (macros/privacy/pii_guard.sql):
        erase both spellings -#}
    {%- set pseudonym_columns = [] -%}
    {%- for literal in [id_literal] + anonymous_ids -%}
        {%- do pseudonym_columns.append(pii_pseudonym(literal) ~ " as p" ~ loop.index) -%}
    {%- endfor -%}
    {%- set pseudonyms = run_query(salt_cte ~ "select " ~ pseudonym_columns | join(", ")).rows[0] -%}
    {%- set customer_list = id_literal ~ ", '" ~ pseudonyms[0] ~ "'" -%}
    {%- if anonymous_ids -%}
        {%- set anonymous_pseudonyms = [] -%}
        {%- for value in pseudonyms[1:] -%}{%- do anonymous_pseudonyms.append("'" ~ value ~ "'") -%}{%- endfor -%}
        {%- set built_anonymous_list = anonymous_list ~ ", " ~ anonymous_pseudonyms | join(", ") -%}
    {%- else -%}
        {%- set built_anonymous_list = "null" -%}
    {%- endif -%}

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
    {%- for name in ['staging', 'intermediate', 'marts', 'snapshots', 'semantic', 'reference'] -%}
        {%- do schemas.append("'" ~ generate_schema_name(name, none) ~ "'") -%}
    {%- endfor -%}
    {%- set tables = run_query(
        "select c.table_schema, c.table_name, c.column_name from information_schema.columns c "
        ~ "join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name "
        ~ "where t.table_type = 'BASE TABLE' and c.table_schema in (" ~ schemas | join(', ') ~ ") "
        ~ "and c.column_name in ('customer_id', 'reported_customer_id', 'anonymous_id') order by 1, 2, 3") -%}
    {%- for row in tables.rows -%}
        {%- set value_list = customer_list if row[2] != 'anonymous_id' else built_anonymous_list -%}
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
