-- every raw customer row, typed, with the reason it cannot be trusted (null = trusted) and a duplicate flag;
-- personal data leaves as hashes and pseudonyms only (macros/privacy/pii_guard.sql)
with

source as (

    select * from {{ source('shop', 'customers') }}

),

pii_salt as (

    select * from {{ source('privacy', 'pii_salt') }}

),

typed as (

    select
        {{ raw_text('customer_id') }} as customer_id,
        cast(signup_at as {{ dbt.type_timestamp() }}) as signup_at_utc,
        {{ raw_text('email') }} as email,
        upper(trim({{ raw_text('country') }})) as country_code,
        lower(trim({{ raw_text('acquisition_channel') }})) as acquisition_channel,
        coalesce(cast(is_test as boolean), false) as is_test,
        cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at_utc,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as _loaded_at
    from source

),

checked as (

    select
        *,
        case
            {{ id_problem('customer_id', 'missing_customer_id') }}
            {{ timestamp_problem('signup_at_utc', 'missing_signup_at') }}
            when is_test then 'test_account'
        end as quarantine_reason
    from typed

),

-- the newest copy wins; the tie-break runs over every column, so the winner never depends on row order
flagged as (

    select
        *,
        {{ is_duplicate('customer_id', 'updated_at_utc desc nulls last, _loaded_at desc, signup_at_utc, email,'
            ~ ' country_code, acquisition_channel') }} as is_duplicate
    from checked

),

{%- set guarded = {
    'customer_id': ['customer_id', 'id'],
    'country_code': ['country_code', 'label'],
    'acquisition_channel': ['acquisition_channel', 'label'],
} %}

final as (

    select
        {{- guarded_columns(guarded) }}
        signup_at_utc,
        {{ hash_pii('email') }} as email_hash,
        is_test,
        updated_at_utc,
        _loaded_at,
        quarantine_reason,
        is_duplicate,
        {{ pii_redacted_list(guarded) }} as pii_redacted
    from flagged

)

select * from final
