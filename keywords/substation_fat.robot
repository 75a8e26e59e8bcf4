*** Settings ***
Documentation     FAT of a bay controller: every signal in the point list, end to end.
...
...               Adapted from an example FAT of bay controller 12 (CA 12, the addresses on the left)
...               so that it runs against the c104test demo RTU. The example's addresses map to
...               demo points as follows (change the variables below for a real bay controller):
...
...               | = Example =                    | = Demo RTU =                              |
...               | CA 12                          | CA 47                                     |
...               | 1001 breaker position (DP)     | 200 disconnector Q1 position (M_DP_NA_1)  |
...               | 2001 measured value            | 301 busbar voltage (M_ME_NC_1)            |
...               | 3001 breaker command (DC, SBO) | 502 disconnector command (C_DC_NA_1, direct) |
...               | report M_DP_TB_1, SPONTANEOUS  | return information M_DP_NA_1, COT 11       |
...               | 9999 unknown address           | 9999                                      |
...
...               The demo RTU executes 502 directly, so ``select=${BREAKER_SELECT}`` is False here;
...               select before operate is checked on the earthing switch (501, returns on 101).
...               With ``RTU_PORT`` 0 the suite starts the demo RTU itself; see c104test.resource.

Resource          c104test.resource

Suite Setup       Open RTU Under Test
Suite Teardown    Close RTU Under Test

Test Tags         fat


*** Variables ***
${BREAKER_POSITION}        200
${BREAKER_COMMAND}         502
${BREAKER_SELECT}          ${False}
${BREAKER_REPORT_TYPE}     M_DP_NA_1
${BREAKER_REPORT_COT}      RETURN_INFO_REMOTE
${EARTHING_POSITION}       101
${EARTHING_COMMAND}        501
${EARTHING_REPORT_TYPE}    M_SP_TB_1
${VOLTAGE}                 301
${UNKNOWN_IOA}             9999


*** Test Cases ***
Station Interrogation Returns Every Signal
    [Documentation]    The station interrogation brings the breaker position and a valid voltage.
    Send Interrogation
    Get Point Value    ${BREAKER_POSITION}    ==    ON
    Get Point Quality    ${VOLTAGE}    not contains    IV

Breaker Opens On Command And Reports Back
    [Documentation]    The breaker command is confirmed and the position reports OFF.
    Send Command    ${BREAKER_COMMAND}    OFF    C_DC_NA_1    select=${BREAKER_SELECT}
    Expect Report    ${BREAKER_POSITION}    OFF    timeout=3s
    Expect Message    type=${BREAKER_REPORT_TYPE}    cot=${BREAKER_REPORT_COT}    io_address=${BREAKER_POSITION}
    [Teardown]    Send Command    ${BREAKER_COMMAND}    ON    C_DC_NA_1    select=${BREAKER_SELECT}

Earthing Switch Closes With Select Before Operate
    [Documentation]    Select, execute, and the position reports ON.
    Send Command    ${EARTHING_COMMAND}    ON    C_SC_NA_1    select=True
    Expect Report    ${EARTHING_POSITION}    ON    timeout=3s
    Expect Message    type=${EARTHING_REPORT_TYPE}    cot=RETURN_INFO_REMOTE    io_address=${EARTHING_POSITION}
    [Teardown]    Send Command    ${EARTHING_COMMAND}    OFF    C_SC_NA_1    select=True

Unknown Address Is Refused
    [Documentation]    A command to an IOA the RTU does not have is refused with COT 47.
    Send Command    ${UNKNOWN_IOA}    ON    C_SC_NA_1    expect=NEGATIVE
    Expect Message    cot=UNKNOWN_IOA    negative=True

Point List: Breaker Q0 Closed
    [Documentation]    Point list: IOA 100 reports ON with good quality.
    [Template]    Signal Should Be
    100    ON    good

Point List: Earthing Switch Q8 Open
    [Documentation]    Point list: IOA 101 reports OFF with good quality.
    [Template]    Signal Should Be
    101    OFF    good

Point List: Disconnector Q1 Closed
    [Documentation]    Point list: IOA 200 reports ON with good quality.
    [Template]    Signal Should Be
    200    ON    good

Point List: Disconnector Q9 Open
    [Documentation]    Point list: IOA 201 reports OFF with good quality.
    [Template]    Signal Should Be
    201    OFF    good

Point List: Active Power
    [Documentation]    Point list: IOA 300 reports 1234 with good quality.
    [Template]    Signal Should Be
    300    1234    good

Point List: Busbar Voltage
    [Documentation]    Point list: IOA 301 reports 230.5 with good quality.
    [Template]    Signal Should Be
    301    230.5    good

Point List: Frequency
    [Documentation]    Point list: IOA 302 reports 49.98 with good quality.
    [Template]    Signal Should Be
    302    49.98    good

Point List: Transformer Load
    [Documentation]    Point list: IOA 303 reports 0.25 with good quality.
    [Template]    Signal Should Be
    303    0.25    good

Point List: Tap Changer Position
    [Documentation]    Point list: IOA 310 reports 5 with good quality.
    [Template]    Signal Should Be
    310    5    good

Point List: Protection Status Word
    [Documentation]    Point list: IOA 320 reports 0xA5A5 with good quality.
    [Template]    Signal Should Be
    320    0xA5A5    good


*** Keywords ***
Signal Should Be
    [Documentation]    One line of the point list: the value and quality the interrogation reports.
    [Arguments]    ${ioa}    ${expected}    ${quality}
    Send Interrogation
    Get Point Value    ${ioa}    ==    ${expected}
    Get Point Quality    ${ioa}    ==    ${quality}
